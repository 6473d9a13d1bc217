// The page at /: the tester on the left (on top on a phone), the status panel beside it.
// ?refresh=N sets the status panel's scrape interval in seconds (1 to 60, default 5).
import { fill } from './dom.js';
import { getJson } from './api.js';
import { Tester } from './tester.js';
import { StatusPanel } from './status.js';

const asked = Number(new URLSearchParams(location.search).get('refresh'));
const seconds = Number.isInteger(asked) && asked >= 1 && asked <= 60 ? asked : 5;

const tester = new Tester(document.querySelector('#tester'));
new StatusPanel(document.querySelector('#status'), document.querySelector('#service'), {
  everyMillis: seconds * 1000,
  onCatalog: (catalog) => tester.setCatalog(catalog),
}).start();

getJson('/v2').then(({ body }) => fill(document.querySelector('#server'), `${body.name} ${body.version}`))
  .catch(() => {});
