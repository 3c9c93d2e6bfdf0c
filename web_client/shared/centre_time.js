// The centres' clock, in one place: every centre keeps Asia/Riyadh time (UTC+3, no daylight
// saving). Days typed on a screen are the centres' days; moments sent to the server carry the
// offset, and the server stores them in UTC.
export const CENTRE_TIME_ZONE = "Asia/Riyadh";
export const CENTRE_UTC_OFFSET = "+03:00";
const OFFSET_MS = 3 * 3600 * 1000;

// The centres' date today, as YYYY-MM-DD.
export function centreToday(now = new Date()) {
  return new Date(now.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

// A moment of a centre's day: centreMoment("2027-01-03", "09:30") → "2027-01-03T09:30:00+03:00".
export function centreMoment(day, hoursMinutes = "00:00") {
  return `${day}T${hoursMinutes}:00${CENTRE_UTC_OFFSET}`;
}

// The start of the centres' day that holds a moment, as an ISO string in UTC.
export function centreMidnight(moment = new Date()) {
  return new Date(centreMoment(centreToday(moment))).toISOString();
}
