// Runs when node-gyp could not build the native kernels during install. FedGrid still works on
// the portable BigInt / node:crypto paths, only slower; `fedgrid node info` shows the backend.
console.warn(
  '[fedgrid] native kernels were not built (needs python3, make and a C compiler); ' +
    'falling back to the portable implementation.',
);
