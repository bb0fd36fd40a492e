// Every test process: Nix never reaches for the network (no substituters, so nothing waits on
// retries), flakes are on, and builds run without a sandbox (CI containers have no user namespaces).
process.env.NIX_CONFIG = [
  "experimental-features = nix-command flakes",
  "substituters =",
  "sandbox = false",
  "warn-dirty = false",
  "connect-timeout = 1",
].join("\n");
