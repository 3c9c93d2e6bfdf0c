// One way to show a tracking number everywhere: ten digits grouped "4821 7730 95", isolated
// left-to-right so the groups never swap places inside Arabic text.

const LRI = "\u2066";
const PDI = "\u2069";

// "4821773095", "4821 7730 95" or "4821-7730-95" → "4821 7730 95".
export function formatTracking(text) {
  const digits = String(text || "").replace(/[\s-]/g, "");
  return digits.length === 10 ? `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8)}` : String(text || "");
}

// For a number inside a sentence of the catalog (t("…{tracking}…")).
export function isolatedTracking(text) {
  return `${LRI}${formatTracking(text)}${PDI}`;
}

// As an element of its own.
export function trackingNode(text) {
  const node = document.createElement("bdi");
  node.dir = "ltr";
  node.className = "tracking";
  node.textContent = formatTracking(text);
  return node;
}
