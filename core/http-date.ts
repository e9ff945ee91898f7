// The Date header (RFC 9110 §6.6.1) changes once a second; format it once a
// second, not once a response.

let cachedSecond = -1;
let cachedDate = '';

export const httpDate = (now = Date.now()): string => {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = new Date(second * 1000).toUTCString();
  }
  return cachedDate;
};
