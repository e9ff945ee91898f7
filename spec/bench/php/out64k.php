<?php echo str_repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 1024);
