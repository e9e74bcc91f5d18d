// Parse .ics files with ical.js (the iCalendar parser Thunderbird uses) and print one JSON object per file.
// Usage: node parse.mjs FILE.ics [FILE.ics ...]  →  {"FILE.ics": {calendar..., events: [...]}, ...}
// No time zone is registered by hand: a TZID must resolve through the feed's own VTIMEZONE.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function time(t) {
  if (!t) return null;
  return {
    value: t.toString(),          // 2027-03-08 for a date, 2027-03-08T09:00:00 for a date-time
    isDate: t.isDate,
    zone: t.isDate ? null : t.zone.tzid,   // "floating" when the TZID was not resolved
    utc: t.isDate ? null : t.toJSDate().toISOString(),
  };
}

const out = {};
for (const path of process.argv.slice(2)) {
  const cal = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  const prop = (name) => {
    const p = cal.getFirstProperty(name);
    return p ? { value: String(p.getFirstValue()), type: p.type } : null;
  };
  out[path] = {
    name: prop("name"),
    calname: prop("x-wr-calname"),
    refresh: prop("refresh-interval"),
    ttl: prop("x-published-ttl"),
    method: prop("method"),
    timezones: cal.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")),
    events: cal.getAllSubcomponents("vevent").map((c) => {
      const e = new ICAL.Event(c);
      return {
        uid: e.uid,
        summary: e.summary,
        description: e.description,
        location: e.location,
        sequence: e.sequence,
        start: time(e.startDate),
        end: time(e.endDate),
        dtstamp: String(c.getFirstPropertyValue("dtstamp")),
      };
    }),
  };
}
process.stdout.write(JSON.stringify(out));
