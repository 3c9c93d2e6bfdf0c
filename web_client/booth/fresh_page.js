// A shared kiosk forgets each woman completely. The page as it was loaded is recorded once
// (every element's children, attributes and form state, every text node's text) and put back
// between two applicants, so a warning, a help notice, the audio-only choice, a rating given,
// her text or her tracking number cannot reach the next one — including what a screen or a
// module added later sets, without having to be listed here. Script state that is not in the
// page (a module's variables, a timer) is dropped by the listeners given to onForget.

const listeners = [];

// A module that keeps something of the applicant outside the page forgets it here.
export function onForget(listener) {
  listeners.push(listener);
}

function recordElement(element) {
  return {
    element,
    children: [...element.childNodes],
    attributes: new Map([...element.attributes].map((a) => [a.name, a.value])),
    value: "value" in element ? element.value : undefined,
    checked: "checked" in element ? element.checked : undefined,
  };
}

function restoreElement({ element, children, attributes, value, checked }) {
  const now = [...element.childNodes];
  if (now.length !== children.length || now.some((node, i) => node !== children[i])) {
    element.replaceChildren(...children);
  }
  for (const name of element.getAttributeNames()) {
    if (!attributes.has(name)) element.removeAttribute(name);
  }
  for (const [name, kept] of attributes) {
    if (element.getAttribute(name) !== kept) element.setAttribute(name, kept);
  }
  if (value !== undefined && element.value !== value) element.value = value;
  if (checked !== undefined) element.checked = checked;
  if ("srcObject" in element) element.srcObject = null;
}

// Records the page under root now; returns the function that puts it back.
export function recordPristine(root = document.body) {
  const elements = [...root.querySelectorAll("*")].map(recordElement);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) texts.push([walker.currentNode, walker.currentNode.data]);
  return () => {
    for (const kept of elements) restoreElement(kept);
    for (const [node, data] of texts) if (node.data !== data) node.data = data;
    for (const listener of listeners) listener();
  };
}
