// HTTP-date parsing (RFC 9110 §5.6.7) for the conditional fields. Recipients
// must accept all three formats: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
// the obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
// ("Sun Nov  6 08:49:37 1994"). Date.parse is not used: it accepts much more
// than HTTP allows (and guesses time zones), and a date we misread would turn a
// 200 into a wrong 304. Results are whole seconds since the epoch, or NaN.

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
const RFC850_DATE = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-([A-Z][a-z]{2})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/;
const ASCTIME_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/;

const seconds = (year: number, month: string, day: number, h: string, m: string, s: string): number => {
  const mon = MONTHS[month];
  if (mon === undefined || day < 1 || day > 31) return NaN;
  const hour = Number(h);
  const minute = Number(m);
  const second = Number(s);
  // 60 allows a leap second, as the grammar does.
  if (hour > 23 || minute > 59 || second > 60) return NaN;
  const ms = Date.UTC(year, mon, day, hour, minute, second);
  // Date.UTC rolls "31 Feb" over into March; a real date does not move.
  return new Date(ms).getUTCDate() === day || second === 60 ? ms / 1000 : NaN;
};

/** Seconds since the epoch for an HTTP-date, or NaN when `value` is not one. */
export const parseHttpDate = (value: string): number => {
  const text = value.trim();
  let m = IMF_FIXDATE.exec(text);
  if (m !== null) return seconds(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = RFC850_DATE.exec(text);
  if (m !== null) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    let year = 2000 + Number(m[3]);
    if (year > new Date().getUTCFullYear() + 50) year -= 100;
    return seconds(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME_DATE.exec(text);
  if (m !== null) return seconds(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!);
  return NaN;
};
