// The devices screen's key directory (shared/directory.js, docs/SECURITY.md): this browser's
// directory key (made here, never leaving it), the keys of other administrators' browsers
// waiting for an endorsement, and each enrolled device's key fingerprint with its endorsement.
// An administrator endorses a device only after she compared the fingerprint on its screen.

import { t } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";
import {
  browserDirectoryKey, browserPinnedRoot, deviceStatement, endorse, keyFingerprint, keyStatement,
  newBrowserDirectoryKey, pinBrowserRoot, shortFingerprint, trustedKeys,
} from "/static/shared/directory.js";
import { publicJwk } from "/static/shared/device_key.js";

let keys = [];       // the directory as the server lists it
let mine = null;     // this browser's entry of it, or null
let pair = null;     // this browser's key pair, or null
let vouched = false; // this browser's key chains to the root it pinned: it may endorse

// A fingerprint inside a sentence: isolated left to right, so that an Arabic sentence does not
// reverse the order of its groups (the device shows them left to right).
const ltr = async (jwk) => `\u2066${await shortFingerprint(jwk)}\u2069`;

const trusted = (key) => key && (key.root || key.endorsed_by !== null);

// A pinned keyFingerprint ("<x>.<y>") back as the JWK fields its short fingerprint needs.
const pinnedJwk = (fingerprint) => {
  const [x, y] = fingerprint.split(".");
  return { x, y };
};

function printOf(jwk) {
  try {
    return keyFingerprint(jwk);
  } catch {
    return null;  // a malformed key the server lists: it matches no pin
  }
}

function actionButton(key, action, run) {
  const node = element("button", { key, attrs: { type: "button", "data-action": action } });
  node.addEventListener("click", run);
  return node;
}

// Reads the directory and this browser's key and pinned root, and fills the directory card;
// ``onChange`` refreshes the devices screen after a change.
export async function refreshDirectory(onChange) {
  keys = (await api("GET", "/api/admin/directory")).keys;
  let pinned = null;
  try {
    pair = await browserDirectoryKey();
    pinned = await browserPinnedRoot();
  } catch {
    pair = null;  // no storage (a private window): this browser endorses nothing
  }
  mine = null;
  let own = null;
  if (pair) {
    own = keyFingerprint(await publicJwk(pair));
    mine = keys.find((key) => printOf(key.public_key) === own) ?? null;
  }
  const root = keys.find((key) => key.root);
  const listed = root ? printOf(root.public_key) : null;
  // Her key as the directory holds it: found by its bytes under her entry's id (a listing
  // that gives her pending key the id of an endorsed one vouches for nothing).
  const chained = mine && pinned && listed === pinned ? (await trustedKeys(keys, pinned)).get(mine.id) : null;
  vouched = Boolean(chained && printOf(chained) === own);
  await showRoot(root, listed, pinned, onChange);
  $("directory-mine").textContent = !mine
    ? ""
    : t(trusted(mine) ? "admin.directory.mine_trusted" : "admin.directory.mine_pending", {
      fingerprint: await ltr(mine.public_key),
    });
  $("directory-create").hidden = Boolean(mine);
  $("directory-create").dataset.i18n = root ? "admin.directory.register" : "admin.directory.create";
  $("directory-create").textContent = t($("directory-create").dataset.i18n);
  $("directory-create").onclick = () => register().then(onChange, failed);
  const waiting = keys.filter((key) => !trusted(key) && key !== mine);
  const items = await Promise.all(waiting.map(async (key) => {
    const text = t("admin.directory.pending", {
      holder: key.holder, fingerprint: await ltr(key.public_key),
    });
    const item = element("li", { text: `${text} ` , attrs: { "data-key": String(key.id) } });
    if (vouched) {
      item.append(actionButton("admin.directory.endorse_key", "endorse-key", () => endorseKey(key).then(onChange, failed)));
    }
    return item;
  }));
  $("directory-pending").replaceChildren(...items);
}

// The root line. The root the server lists is verified only against the root this browser
// pinned (it made it, or she compared its fingerprint with a browser that shows it verified):
// a chain from the listed root down to her own key proves nothing, since the server can make
// up a root and sign her public key with it. Not pinned yet: the fingerprint to compare and the
// button that pins it. Pinned and another root listed: a warning, and this browser endorses
// nothing.
async function showRoot(root, listed, pinned, onChange) {
  const line = $("directory-root");
  const pin = $("directory-pin-root");
  pin.hidden = true;
  line.classList.remove("page-error");
  if (pinned && listed !== pinned) {
    line.classList.add("page-error");
    line.textContent = t("admin.directory.root_changed", {
      pinned: await ltr(pinnedJwk(pinned)),
      fingerprint: root ? await ltr(root.public_key) : "—",
    });
  } else if (!root) {
    line.textContent = t("admin.directory.none");
  } else if (pinned) {
    line.textContent = t("admin.directory.root", { fingerprint: await ltr(root.public_key) });
  } else {
    line.textContent = t("admin.directory.root_unverified", { fingerprint: await ltr(root.public_key) });
    pin.hidden = false;
    pin.onclick = () => pinBrowserRoot(listed).then(onChange, failed);
  }
}

function failed(error) {
  $("device-error").textContent = error.text || String(error);
}

// Registers this browser's key. Where the directory listed no root, it creates it: the answer
// says it is the root, and this browser pins its own key as the root. Never later: a server
// that flags her pending key as the root at a refresh must not make her browser pin it
// without a comparison (an adversary's finding).
async function register() {
  const creating = !keys.some((key) => key.root);
  const publicKey = await newBrowserDirectoryKey();
  const key = await api("POST", "/api/admin/directory/keys", { public_key: publicKey });
  if (creating && key.root && printOf(key.public_key) === keyFingerprint(publicKey)) {
    await pinBrowserRoot(keyFingerprint(publicKey));
  }
}

async function endorseKey(key) {
  const signature = await endorse(pair, keyStatement(key.public_key));
  await api("POST", `/api/admin/directory/keys/${key.id}/endorsement`, { by: mine.id, signature });
}

// The devices table's key cell: the enrolled key's fingerprint, whether it is endorsed, and
// the endorse button while it is not (this browser's key trusted).
export async function keyCell(device, onChange) {
  if (!device.public_key) return element("td", { text: "—" });
  const cell = element("td", {}, [
    element("code", { text: await shortFingerprint(device.public_key), className: "fingerprint", attrs: { dir: "ltr" } }),
    element("div", { key: device.endorsed_by ? "admin.directory.endorsed" : "admin.directory.not_endorsed" }),
  ]);
  if (!device.endorsed_by && vouched && !device.revoked) {
    cell.append(actionButton("admin.directory.endorse_device", "endorse", () => endorseDevice(device).then(onChange, failed)));
  }
  return cell;
}

async function endorseDevice(device) {
  const signature = await endorse(pair, deviceStatement(device.name, device.public_key));
  await api("POST", `/api/devices/${device.id}/endorsement`, { by: mine.id, signature });
}
