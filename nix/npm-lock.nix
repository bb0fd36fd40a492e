# package-lock.json as nixpkgs' importNpmLock needs it: every package with its `resolved` URL.
# npm leaves `resolved` out of the lock when `omit-lockfile-registry-resolved` is set (it was, where
# this lock was written); importNpmLock fetches a package only from `resolved` (with `integrity` as
# the hash), so an entry without it would make `npm ci` reach for the registry inside the sandbox.
# The URL of a registry package follows from its name and version, so it is filled in here rather
# than kept in the lock. Builtins only: test/module/ evaluates it with nix-instantiate.
{ lockFile }:
let
  lock = builtins.fromJSON (builtins.readFile lockFile);
  registry = "https://registry.npmjs.org";

  # "node_modules/a/node_modules/@s/b" -> "@s/b" (the last segment names the package), unless the
  # entry is an alias and carries its real name.
  packageName = key: entry:
    entry.name or (builtins.head (builtins.match ".*node_modules/((@[^/]+/)?[^/]+)" key));
  # The tarball's file name drops the scope: @s/b 1.0.0 -> @s/b/-/b-1.0.0.tgz
  tarball = name: version:
    let scoped = builtins.match "@[^/]+/(.+)" name;
    in "${registry}/${name}/-/${if scoped == null then name else builtins.head scoped}-${version}.tgz";

  fill = key: entry:
    if key == "" || entry ? resolved || entry ? link || (entry.inBundle or false) || !(entry ? integrity)
    then entry
    else entry // { resolved = tarball (packageName key entry) entry.version; };
in
lock // { packages = builtins.mapAttrs fill lock.packages; }
