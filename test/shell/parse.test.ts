// The shell reader behind the script rules: which commands a script really runs.
import { describe, expect, it } from "vitest";
import { effectiveCommands, parseShell, sourceOf } from "../../src/shell/parse.js";

const argvs = (script: string) => effectiveCommands(sourceOf(script)).map((c) => c.map((w) => w.value).join(" "));

describe("shell reader", () => {
  it("splits commands on ; && || | & and newlines, and drops comments", () => {
    expect(argvs("a 1; b && c | d || e & f # g h\n# nix-env -i x\ni")).toEqual(["a 1", "b", "c", "d", "e", "f", "i"]);
  });

  it("removes quotes and keeps quoted text as one word", () => {
    expect(argvs(`echo "nix-env -i x" 'a b' c\\ d "\\"q\\""`)).toEqual([`echo nix-env -i x a b c d "q"`]);
  });

  it("joins continued lines", () => {
    expect(argvs("nixos-rebuild switch \\\n  --upgrade\nnext")).toEqual(["nixos-rebuild switch --upgrade", "next"]);
  });

  it("drops assignments and redirections, and reserved words of compound commands", () => {
    expect(argvs("FOO=1 BAR=x nix-env -i a > /dev/null 2>&1 < in")).toEqual(["nix-env -i a"]);
    expect(argvs("for h in a b; do nixos-rebuild switch --upgrade; done")).toEqual(["nixos-rebuild switch --upgrade"]);
    expect(argvs("if true; then nix-env -i vim; else echo no; fi")).toEqual(["true", "nix-env -i vim", "echo no"]);
    expect(argvs("f() { nix-env -q; }")).toEqual(["f", "nix-env -q"]);
  });

  it("reads command substitutions", () => {
    expect(argvs("x=$(nix-env -i jq)\necho \"`nixos-rebuild boot --upgrade`\"").sort()).toEqual(["echo `nixos-rebuild boot --upgrade`", "nix-env -i jq", "nixos-rebuild boot --upgrade"]);
  });

  it("treats here-documents as data, except when fed to a shell or ssh", () => {
    expect(argvs("cat <<EOF > notes\nnix-env -i x\ndon't\nEOF\necho after")).toEqual(["cat", "echo after"]);
    expect(argvs("ssh nas <<'EOF'\nnix-env -iA nixos.tmux\nEOF\n")).toEqual(["nix-env -iA nixos.tmux"]);
    expect(argvs("sudo bash <<-EOF\n\tnixos-rebuild switch --upgrade\n\tEOF\nls")).toEqual(["nixos-rebuild switch --upgrade", "ls"]);
  });

  it("looks through sudo, env, exec, timeout, nohup, nice", () => {
    expect(argvs("sudo -u root -E nix-env -iA x")).toEqual(["nix-env -iA x"]);
    expect(argvs("doas nix-env -i y")).toEqual(["nix-env -i y"]);
    expect(argvs("env -i PATH=/bin nix-env -i z")).toEqual(["nix-env -i z"]);
    expect(argvs("timeout -s KILL 10 nohup nice -n 5 exec nix-env -i w")).toEqual(["nix-env -i w"]);
  });

  it("reads the remote command of ssh, and scripts given to sh -c, su -c and nix-shell --run", () => {
    expect(argvs("ssh -p 2222 -o StrictHostKeyChecking=no root@nas nix-env -iA nixos.htop")).toEqual(["nix-env -iA nixos.htop"]);
    expect(argvs("ssh nas 'sudo nix-env --install -A nixos.git; echo ok'")).toEqual(["nix-env --install -A nixos.git", "echo ok"]);
    expect(argvs(`bash -ec "nixos-rebuild switch --upgrade"`)).toEqual(["nixos-rebuild switch --upgrade"]);
    expect(argvs(`su -c 'nix-env -i a' root`)).toEqual(["nix-env -i a"]);
    expect(argvs(`nix-shell -p git --run "nix-env -i b"`)).toEqual(["nix-shell -p git --run nix-env -i b", "nix-env -i b"]);
    expect(argvs(`nix develop -c nix-env -i c`)).toEqual(["nix develop -c nix-env -i c", "nix-env -i c"]);
    expect(argvs("bash ./deploy.sh")).toEqual(["bash ./deploy.sh"]);
  });

  it("keeps each word's offsets in the original text", () => {
    const script = "x; ssh h 'nix-env -i pkg'";
    const cmd = effectiveCommands(sourceOf(script, 100)).find((c) => c[0]!.value === "nix-env");
    const pkg = cmd!.at(-1)!;
    expect(pkg.value).toBe("pkg");
    expect(script.slice(pkg.start - 100, pkg.end - 100)).toBe("pkg");
    const [, direct] = parseShell(sourceOf("a\n  nixos-rebuild switch --upgrade"));
    const w = direct!.words[2]!;
    expect([w.start, w.end, w.contiguous]).toEqual([25, 34, true]);
  });

  it("never throws on odd input", () => {
    for (const s of ["'unterminated", '"open $(', "cat <<EOF", "$(((", "\\", "a | | b ;; c", "`x", "${"]) expect(() => argvs(s)).not.toThrow();
  });
});
