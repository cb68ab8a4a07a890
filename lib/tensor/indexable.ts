/**
 * PyTorch's `x[0]`, `x[0][1]`, `x[-1]` (and `seq[0]` on nn.Sequential) in JavaScript, where `x[0]`
 * is a property named "0". A Proxy around every instance would answer it, but makes every field
 * and method access go through a trap: measured 50-60x slower per access (about 200 ns against
 * 3-25 ns). Here the Proxy sits in the class's prototype chain, above the class's own prototype:
 * fields and methods are found before it, so only names found nowhere else reach it. Counted over
 * ten training steps of the lecture's CNN: no tensor property lookup reaches it; integer names
 * become `at(self, i)`, everything else reads on as if the Proxy were not there.
 */
import { TorchTypeError } from "../errors";

const INTEGER = /^-?\d+$/;

export function indexable<T extends object>(cls: { prototype: T; name: string }, at: (self: T, i: number) => unknown, assign: string): void {
  const above = Object.getPrototypeOf(cls.prototype) as object;
  Object.setPrototypeOf(cls.prototype, new Proxy(above, {
    // The Proxy stands for `above` in the chain: `instanceof` (of Module, of Object) sees it.
    getPrototypeOf: (target) => target,
    get(target, key, receiver) {
      return typeof key === "string" && INTEGER.test(key) ? at(receiver as T, Number(key)) : Reflect.get(target, key, receiver);
    },
    set(target, key, value, receiver) {
      if (typeof key === "string" && INTEGER.test(key)) {
        throw new TorchTypeError(`${cls.name}[${key}] = ... cannot be written in JavaScript; ${assign}`);
      }
      return Reflect.set(target, key, value, receiver);
    },
  }));
}
