# nix-warden drift: what one evaluated NixOS configuration declares, reduced to what the drift check
# compares. Applied to `nixosConfigurations.<host>.config` by
#   nix eval --json <flake>#nixosConfigurations.<host>.config --apply "<this file's text>"
#
# Every value is read through `pick`, which survives an option that is missing (`or`) or throws
# (`tryEval` over a forced, JSON-safe copy) and records the option path of each failure in
# `errors`, so one broken option never hides the rest. Derivations become their store path and
# paths their string (so nothing is copied to the store); evaluating the toplevel's outPath
# instantiates the system but builds nothing.
config:
let
  inherit (builtins)
    tryEval deepSeq isAttrs isList isPath isFunction
    mapAttrs attrNames attrValues concatMap filter listToAttrs genList length elemAt;

  isDrv = v: isAttrs v && (v.type or null) == "derivation";

  plain = v:
    if isDrv v then v.outPath
    else if isAttrs v then mapAttrs (_: plain) v
    else if isList v then map plain v
    else if isPath v then toString v
    else if isFunction v then null
    else v;

  # { value, errors }: the forced plain value, or `fallback` and the path that failed.
  pick = path: fallback: v:
    let r = tryEval (let x = plain v; in deepSeq x x);
    in if r.success then { value = r.value; errors = [ ]; }
       else { value = fallback; errors = [ path ]; };

  # Like pick, for values that must not be made plain (the caller reduces them).
  raw = path: fallback: v:
    let r = tryEval (deepSeq v v);
    in if r.success then { value = r.value; errors = [ ]; }
       else { value = fallback; errors = [ path ]; };

  # An attrset of picks -> { value = attrset of values; errors }.
  record = picks: {
    value = mapAttrs (_: p: p.value) picks;
    errors = concatMap (p: p.errors) (attrValues picks);
  };

  # A list of picks -> { value = list; errors }.
  list = picks: {
    value = map (p: p.value) picks;
    errors = concatMap (p: p.errors) picks;
  };

  # Attribute names of an option that may be missing or throw.
  namesOf = path: v: raw path [ ] (attrNames v);
  indexesOf = path: v: raw path [ ] (genList (i: i) (length v));

  quote = n: if builtins.match "[a-zA-Z_][a-zA-Z0-9_'-]*" n != null then n else "\"${n}\"";

  # Package identity: name, pname, version (any may be missing on hand-made derivations).
  package = path: p: record {
    name = pick "${path}.name" null (p.name or null);
    pname = pick "${path}.pname" null (p.pname or null);
    version = pick "${path}.version" null (p.version or null);
  };
  packages = path: ps:
    let n = indexesOf path ps;
    in {
      value = map (i: (package "${path}[${toString i}]" (elemAt ps i)).value) n.value;
      errors = n.errors ++ concatMap (i: (package "${path}[${toString i}]" (elemAt ps i)).errors) n.value;
    };

  # NixOS writes a shell package to /etc/passwd as /run/current-system/sw + its shellPath
  # (utils.toShellPath); a plain path or string is written as is.
  shellPath = s:
    if s == null then null
    else if isDrv s then (if s ? shellPath then "/run/current-system/sw${s.shellPath}" else s.outPath)
    else toString s;

  ports = path: v: pick path [ ] v;

  firewallPorts = path: f: record {
    allowedTCPPorts = ports "${path}.allowedTCPPorts" (f.allowedTCPPorts or [ ]);
    allowedUDPPorts = ports "${path}.allowedUDPPorts" (f.allowedUDPPorts or [ ]);
    allowedTCPPortRanges = ports "${path}.allowedTCPPortRanges" (f.allowedTCPPortRanges or [ ]);
    allowedUDPPortRanges = ports "${path}.allowedUDPPortRanges" (f.allowedUDPPortRanges or [ ]);
  };

  # attrset of name -> { value, errors } built from the option's names.
  perName = path: attrs: f:
    let
      names = namesOf path attrs;
      entries = map (n: { name = n; value = f n (attrs.${n}); }) names.value;
    in {
      value = listToAttrs (map (e: { inherit (e) name; value = e.value.value; }) entries);
      errors = names.errors ++ concatMap (e: e.value.errors) entries;
    };

  cfg = config;
  fw = cfg.networking.firewall or { };

  hostName = pick "networking.hostName" null (cfg.networking.hostName or null);
  nameservers = pick "networking.nameservers" [ ] (cfg.networking.nameservers or [ ]);

  firewall =
    let
      base = firewallPorts "networking.firewall" fw;
      ifaces = perName "networking.firewall.interfaces" (fw.interfaces or { })
        (n: i: firewallPorts "networking.firewall.interfaces.${quote n}" i);
      scalars = record {
        enable = pick "networking.firewall.enable" null (fw.enable or null);
        backend = pick "networking.firewall.backend" null
          (fw.backend or (if (cfg.networking.nftables.enable or false) then "nftables" else "iptables"));
        trustedInterfaces = pick "networking.firewall.trustedInterfaces" [ ] (fw.trustedInterfaces or [ ]);
      };
    in {
      value = scalars.value // base.value // { interfaces = ifaces.value; };
      errors = scalars.errors ++ base.errors ++ ifaces.errors;
    };

  mutableUsers = pick "users.mutableUsers" null (cfg.users.mutableUsers or null);

  users = perName "users.users" (cfg.users.users or { }) (n: u:
    let
      p = "users.users.${quote n}";
      pkgs = packages "${p}.packages" (u.packages or [ ]);
      fields = record {
        name = pick "${p}.name" n (u.name or n);
        enable = pick "${p}.enable" true (u.enable or true);
        uid = pick "${p}.uid" null (u.uid or null);
        group = pick "${p}.group" "" (u.group or "");
        extraGroups = pick "${p}.extraGroups" [ ] (u.extraGroups or [ ]);
        isNormalUser = pick "${p}.isNormalUser" false (u.isNormalUser or false);
        isSystemUser = pick "${p}.isSystemUser" false (u.isSystemUser or false);
        home = pick "${p}.home" null (u.home or null);
        shell = pick "${p}.shell" null (shellPath (u.shell or null));
        description = pick "${p}.description" "" (u.description or "");
      };
    in {
      value = fields.value // { packages = pkgs.value; };
      errors = fields.errors ++ pkgs.errors;
    });

  groups = perName "users.groups" (cfg.users.groups or { }) (n: g:
    let p = "users.groups.${quote n}";
    in record {
      name = pick "${p}.name" n (g.name or n);
      gid = pick "${p}.gid" null (g.gid or null);
      members = pick "${p}.members" [ ] (g.members or [ ]);
    });

  systemPackages = packages "environment.systemPackages" (cfg.environment.systemPackages or [ ]);

  services = perName "systemd.services" (cfg.systemd.services or { }) (n: s:
    let p = "systemd.services.${quote n}";
    in record {
      enable = pick "${p}.enable" true (s.enable or true);
      wantedBy = pick "${p}.wantedBy" [ ] (s.wantedBy or [ ]);
      serviceConfig = pick "${p}.serviceConfig" { } (s.serviceConfig or { });
    });

  fileSystems = perName "fileSystems" (cfg.fileSystems or { }) (n: f:
    let p = "fileSystems.${quote n}";
    in record {
      mountPoint = pick "${p}.mountPoint" n (f.mountPoint or n);
      enable = pick "${p}.enable" true (f.enable or true);
      device = pick "${p}.device" null (f.device or null);
      fsType = pick "${p}.fsType" null (f.fsType or null);
      options = pick "${p}.options" [ ] (f.options or [ ]);
    });

  swapDevices =
    let
      sd = cfg.swapDevices or [ ];
      n = indexesOf "swapDevices" sd;
      one = i: let s = elemAt sd i; p = "swapDevices[${toString i}]"; in record {
        device = pick "${p}.device" null (s.device or null);
        realDevice = pick "${p}.realDevice" null (s.realDevice or null);
        size = pick "${p}.size" null (s.size or null);
      };
      parts = map one n.value;
    in { value = map (x: x.value) parts; errors = n.errors ++ concatMap (x: x.errors) parts; };

  etc = perName "environment.etc" (cfg.environment.etc or { }) (n: e:
    let p = "environment.etc.${quote n}";
    in record {
      target = pick "${p}.target" n (e.target or n);
      enable = pick "${p}.enable" true (e.enable or true);
      mode = pick "${p}.mode" "symlink" (e.mode or "symlink");
    });

  sysctlValues =
    let
      s = cfg.boot.kernel.sysctl or { };
      names = namesOf "boot.kernel.sysctl" s;
      entries = map (n: { name = n; p = pick "boot.kernel.sysctl.\"${n}\"" null (s.${n}); }) names.value;
    in {
      value = listToAttrs (map (e: { inherit (e) name; value = e.p.value; })
        (filter (e: e.p.value != null && !(isAttrs e.p.value)) entries));
      errors = names.errors ++ concatMap (e: e.p.errors) entries;
    };

  toplevel = pick "system.build.toplevel" null (cfg.system.build.toplevel.outPath or null);
  configurationRevision = pick "system.configurationRevision" null (cfg.system.configurationRevision or null);

  parts = {
    inherit hostName nameservers firewall mutableUsers users groups systemPackages services
      fileSystems swapDevices etc toplevel configurationRevision;
    sysctl = sysctlValues;
  };
in
(mapAttrs (_: p: p.value) parts) // {
  schemaVersion = 1;
  errors = map (path: { inherit path; message = "evaluation failed (the option throws or has the wrong type)"; })
    (concatMap (p: p.errors) (attrValues parts));
}
