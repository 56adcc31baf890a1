// A small stand-in for the browser DOM, just what skip_logic.js touches (node has no DOM and
// the project takes no dependencies): elements with dataset, attributes, closest() and
// querySelectorAll() for "[data-x]" / "tag[data-x]" selector lists, form.elements, events
// and setCustomValidity.

const FIELD_TAGS = new Set(["INPUT", "SELECT", "TEXTAREA"]);
const documentStub = {
  documentElement: { lang: "zh-CN" },
  createElement: (tag) => new FakeElement(tag),
};

function camel(name) {
  return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

function matcher(selector) {
  const parts = selector.split(",").map((part) => {
    const match = /^\s*([a-z]*)\[data-([a-z-]+)\]\s*$/.exec(part);
    if (match === null) throw new Error(`fake DOM: unsupported selector ${part}`);
    return { tag: match[1].toUpperCase(), key: camel(match[2]) };
  });
  return (el) => parts.some(({ tag, key }) => (!tag || el.tagName === tag) && key in el.dataset);
}

class FakeElement {
  constructor(tag, { data = {}, ...properties } = {}, children = []) {
    this.tagName = tag.toUpperCase();
    this.dataset = { ...data };
    this.attributes = new Map();
    this.children = [];
    this.parentElement = null;
    this.ownerDocument = documentStub;
    this.hidden = false;
    this.disabled = false;
    this.checked = false;
    this.multiple = false;
    this.name = "";
    this.type = this.tagName === "TEXTAREA" ? "textarea" : this.tagName === "INPUT" ? "text" : undefined;
    this.value = "";
    this.validationMessage = "";
    this.textContent = "";
    this.className = "";
    this.id = "";
    Object.assign(this, properties);
    for (const child of children) {
      child.parentElement = this;
      this.children.push(child);
    }
  }

  *descendants() {
    for (const child of this.children) {
      yield child;
      yield* child.descendants();
    }
  }

  querySelectorAll(selector) {
    const matches = matcher(selector);
    return [...this.descendants()].filter(matches);
  }

  closest(selector) {
    const matches = matcher(selector);
    for (let el = this; el; el = el.parentElement) if (matches(el)) return el;
    return null;
  }

  hasAttribute(name) {
    return this.attributes.has(name);
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  insertAdjacentElement(where, element) {
    if (where !== "afterend" || !this.parentElement) throw new Error(`fake DOM: unsupported insert ${where}`);
    const siblings = this.parentElement.children;
    siblings.splice(siblings.indexOf(this) + 1, 0, element);
    element.parentElement = this.parentElement;
    return element;
  }

  setCustomValidity(message) {
    this.validationMessage = message;
  }
}

class FakeForm extends FakeElement {
  constructor(properties, children) {
    super("form", properties, children);
    this.listeners = new Map();
  }

  get elements() {
    return [...this.descendants()].filter((el) => FIELD_TAGS.has(el.tagName));
  }

  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
  }

  removeEventListener(type, fn) {
    this.listeners.get(type)?.delete(fn);
  }

  listenerCount() {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }

  dispatch(type) {
    for (const fn of this.listeners.get(type) ?? []) fn({ type, target: this });
  }
}

export function element(tag, properties, children) {
  return new FakeElement(tag, properties, children);
}

export function form(properties, children) {
  return new FakeForm(properties, children);
}
