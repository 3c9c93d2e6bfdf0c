// What a screen shows of its audience's end-to-end encryption: the verification code both
// ends show (the office reads it aloud when in doubt; a different code means another key, so
// someone in between), and a security error when the other end's key share fails its check.
// The element's data-* attributes carry the frame counters, the key the other end's picture
// opens under and since when, and when media last connected (tests read them).

import { formatNumber, t } from "/static/shared/i18n.js";

// ``firstContactNote``: say when the other end's device is met for the first time on this
// one (its key pinned now, trusted as the server named it): the office reads the code aloud.
export function showEndToEnd(call, codeElement, errorElement, { firstContactNote = false } = {}) {
  const e2ee = call.encryptEndToEnd();
  let code = null;
  let firstContact = false;
  delete errorElement.dataset.sticky;  // a new audience: an earlier one's failure is gone
  const render = () => {
    if (code === null) return;
    const groups = [code.slice(0, 3), code.slice(3)].map(
      (group) => formatNumber(Number(group), { minimumIntegerDigits: 3, useGrouping: false }),
    );
    const key = firstContactNote && firstContact ? "e2ee.code_first_contact" : "e2ee.code";
    codeElement.textContent = t(key, { code: groups.join(" ") });
  };
  call.addEventListener("e2ee_key", (event) => {
    code = event.detail.code;
    firstContact = event.detail.firstContact;
    codeElement.dataset.code = code;
    codeElement.dataset.firstContact = String(firstContact);
    codeElement.dataset.keyId = String(event.detail.keyId);
    render();
  });
  call.addEventListener("security", (event) => {
    code = null;
    codeElement.textContent = "";
    errorElement.textContent = t(event.detail.message_key);
    errorElement.dataset.code = event.detail.code;
    errorElement.dataset.sticky = "security";  // the next screen of this audience keeps it
  });
  const counting = setInterval(() => {
    if (call.closed) clearInterval(counting);
    const counters = [
      "encrypted", "withheld", "clear", "decrypted", "dropped", "failed", "receivedKeyId",
      "pictureKeyId", "pictureSerial", "pictureSince",
    ];
    for (const name of counters) codeElement.dataset[name] = String(e2ee.counts[name] ?? "");
    codeElement.dataset.mediaSince = String(e2ee.mediaSince ?? "");
  }, 500);
  return render;
}
