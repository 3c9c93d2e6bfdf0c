// The devices screen's key directory (shared/directory.js, docs/SECURITY.md): this browser's
// directory key (made here, never leaving it), the keys of other administrators' browsers
// waiting for an endorsement, and each enrolled device's key fingerprint with its endorsement.
// An administrator endorses a device only after she compared the fingerprint on its screen.

import { t } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";
import {
  browserDirectoryKey, deviceStatement, endorse, keyFingerprint, keyStatement,
  newBrowserDirectoryKey, shortFingerprint, trustedKeys,
} from "/static/shared/directory.js";
import { publicJwk } from "/static/shared/device_key.js";

let keys = [];       // the directory as the server lists it
let mine = null;     // this browser's entry of it, or null
let pair = null;     // this browser's key pair, or null

// A fingerprint inside a sentence: isolated left to right, so that an Arabic sentence does not
// reverse the order of its groups (the device shows them left to right).
const ltr = async (jwk) => `\u2066${await shortFingerprint(jwk)}\u2069`;

const trusted = (key) => key && (key.root || key.endorsed_by !== null);

function actionButton(key, action, run) {
  const node = element("button", { key, attrs: { type: "button", "data-action": action } });
  node.addEventListener("click", run);
  return node;
}

// Reads the directory and this browser's key, and fills the directory card; ``onChange``
// refreshes the devices screen after a change.
export async function refreshDirectory(onChange) {
  keys = (await api("GET", "/api/admin/directory")).keys;
  try {
    pair = await browserDirectoryKey();
  } catch {
    pair = null;  // no storage (a private window): this browser endorses nothing
  }
  mine = null;
  if (pair) {
    const own = keyFingerprint(await publicJwk(pair));
    mine = keys.find((key) => keyFingerprint(key.public_key) === own) ?? null;
  }
  const root = keys.find((key) => key.root);
  $("directory-root").textContent = root
    ? t(await rootVerified(root) ? "admin.directory.root" : "admin.directory.root_unverified", {
      fingerprint: await ltr(root.public_key),
    })
    : t("admin.directory.none");
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
    if (trusted(mine)) {
      item.append(actionButton("admin.directory.endorse_key", "endorse-key", () => endorseKey(key).then(onChange, failed)));
    }
    return item;
  }));
  $("directory-pending").replaceChildren(...items);
}

// Whether this browser can vouch for the root the server lists: it is this browser's own key,
// or the chain of endorsements from it reaches this browser's key (a root the server made up
// has endorsed nothing of ours). The root's fingerprint is what devices are checked against.
async function rootVerified(root) {
  if (!mine) return false;
  return (await trustedKeys(keys, keyFingerprint(root.public_key))).has(mine.id);
}

function failed(error) {
  $("device-error").textContent = error.text || String(error);
}

async function register() {
  const publicKey = await newBrowserDirectoryKey();
  await api("POST", "/api/admin/directory/keys", { public_key: publicKey });
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
  if (!device.endorsed_by && trusted(mine) && !device.revoked) {
    cell.append(actionButton("admin.directory.endorse_device", "endorse", () => endorseDevice(device).then(onChange, failed)));
  }
  return cell;
}

async function endorseDevice(device) {
  const signature = await endorse(pair, deviceStatement(device.name, device.public_key));
  await api("POST", `/api/devices/${device.id}/endorsement`, { by: mine.id, signature });
}
