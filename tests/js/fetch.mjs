// Subscribe like a calendar client: fetch a feed over HTTP with node's fetch, parse it with ical.js, print JSON.
// Usage: node fetch.mjs URL  →  {"status": 200, "contentType": ..., "etag": ..., "calname": ..., "events": [...]}
import ICAL from "ical.js";

const res = await fetch(process.argv[2]);
const text = await res.text();
const cal = new ICAL.Component(ICAL.parse(text));
process.stdout.write(JSON.stringify({
  status: res.status,
  contentType: res.headers.get("content-type"),
  etag: res.headers.get("etag"),
  calname: String(cal.getFirstPropertyValue("x-wr-calname")),
  events: cal.getAllSubcomponents("vevent").map((c) => {
    const e = new ICAL.Event(c);
    return { uid: e.uid, summary: e.summary, start: e.startDate.toString() };
  }),
}));
