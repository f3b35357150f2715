/**
 * `instanceof` across copies of this package. An app that mixes `require` and `import`, or a tree
 * holding two installs, loads the classes twice, and an error made by one copy is not an instance of
 * the other's class by prototype. Each class therefore brands its prototype with a `Symbol.for` key
 * (the same in every copy), and `Symbol.hasInstance` accepts a value carrying the class's brand.
 */

/** The brand of each branded class, by class; a user's subclass has none and is checked as usual. */
const BRANDS = new WeakMap<object, symbol>();

/**
 * The ordinary `instanceof` (prototype chain), or else: `Class` is branded and `value` carries its
 * brand, i.e. was made by another copy's `Class` or a subclass of it.
 */
export function isBrandedInstance(Class: object, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(Class, value)) return true;
  const brand = BRANDS.get(Class);
  return brand !== undefined && typeof value === 'object' && value !== null && brand in value;
}

/**
 * Brands each class under its public name, and pins its `name` to it: bundlers may rename a class
 * (`_ValidationError`), and the brand key must be the same in every copy of the package.
 */
export function brandClasses(classes: Record<string, abstract new (...args: never[]) => unknown>): void {
  for (const [name, Class] of Object.entries(classes)) {
    const brand = Symbol.for(`dashscope-liveportrait.${name}`);
    BRANDS.set(Class, brand);
    // On the prototype, not enumerable: subclasses inherit it, and no instance shows or serializes it.
    Object.defineProperty(Class.prototype, brand, { value: true });
    Object.defineProperty(Class, 'name', { value: name });
  }
}
