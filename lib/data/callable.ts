/**
 * torchvision's classes are called without `new` (`datasets.MNIST(...)`, `transforms.ToTensor()`).
 * `callable(Class)` lets a class be called either way; `instanceof` and `extends` keep working.
 */
type Ctor = abstract new (...args: any[]) => any;
export type Callable<C extends Ctor> = C & ((...args: ConstructorParameters<C>) => InstanceType<C>);

export function callable<C extends Ctor>(cls: C): Callable<C> {
  return new Proxy(cls, {
    apply: (target, _thisArg, args: unknown[]) => Reflect.construct(target, args),
  }) as Callable<C>;
}
