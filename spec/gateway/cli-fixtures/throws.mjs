throw new Error('this module fails to load\nsecond line of the message');
