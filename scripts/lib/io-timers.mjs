// Injected by esbuild into the package's shared build (scripts/lib/runtimes-workerd.mjs): the
// client's free `setTimeout`, `clearTimeout`, `setImmediate` and `clearImmediate` become imports
// of the platform seam #io/timers (Node's own functions, or workerd's stand-ins).
export { setTimeout, clearTimeout, setImmediate, clearImmediate } from '#io/timers';
