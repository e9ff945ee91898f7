// The Date header (RFC 9110 §6.6.1) changes once a second; format it once a
// second, not once a response. As node:http's utcDate(): the formatted value
// is kept until an unref'd timer clears it at the next second's start, so a
// response pays neither a clock read nor a division, only the first one of
// each second does. The timer never holds the process open.

let cachedDate = '';

const forget = (): void => {
  cachedDate = '';
};

export const httpDate = (): string => {
  if (cachedDate === '') {
    const now = new Date();
    cachedDate = now.toUTCString();
    setTimeout(forget, 1000 - now.getMilliseconds()).unref();
  }
  return cachedDate;
};
