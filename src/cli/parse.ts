// `nix-warden parse FILE...`: what the parser sees. By default it prints, for each file, the text
// `nix-instantiate --parse FILE` prints; `--format json` prints the syntax tree instead, and
// `--format paths` the option paths the file defines.
import { parseNix, showParsed, type ParsedNix } from "../nix/index.js";
import { readRegularFile, resolveNixFile } from "../nix/files.js";
import { treeToJson } from "../nix/json.js";
import { buildOptionIndex } from "../nix/options.js";
import { EXIT_OK, EXIT_USAGE, parseChoice, parseCommandOrHelp } from "./args.js";

export const summary = "print what the parser sees in Nix files (nix-instantiate --parse format, JSON tree, option paths)";

const HELP = `usage: nix-warden parse [--format nix|json|paths] [--dialect current|nix-2.8] FILE...

  --format nix      the text \`nix-instantiate --parse FILE\` prints (default)
  --format json     the lossless syntax tree and diagnostics as JSON
  --format paths    each option definition's full path, line and conditions
  --dialect         which Nix to agree with: current (default) or nix-2.8 (Debian's nix-instantiate)

Exit code 1 when a file does not parse.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(argv, HELP, {
    format: { type: "string" },
    dialect: { type: "string" },
  });
  if (!args) return EXIT_OK;
  const { values, positionals } = args;
  const format = parseChoice(values.format, "--format", ["nix", "json", "paths"] as const, "nix");
  const dialect = parseChoice(values.dialect, "--dialect", ["current", "nix-2.8"] as const, "current");
  if (positionals.length === 0) {
    console.error(HELP);
    return EXIT_USAGE;
  }
  let failed = false;
  for (const arg of positionals) {
    let parsed: ParsedNix;
    let path: string;
    try {
      path = await resolveNixFile(arg);
      parsed = parseNix(await readRegularFile(path), { path, dialect });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      console.error(`error: cannot read '${arg}': ${code === "ENOTREG" ? "not a regular file" : (code ?? (e as Error).message)}`);
      failed = true;
      continue;
    }
    if (format === "json") {
      console.log(JSON.stringify(treeToJson(parsed), null, 2));
      if (parsed.error) failed = true;
      continue;
    }
    if (parsed.error) {
      failed = true;
      console.error(`error: ${parsed.error.message}\n\n       at ${path}:${parsed.error.line}:${parsed.error.column}:`);
      continue;
    }
    if (format === "paths") {
      for (const def of buildOptionIndex(parsed.root).definitions) {
        const cond = def.conditions.length ? `  [${def.conditions.map((c) => c.text).join(" && ")}]` : "";
        console.log(`${path}:${def.line}:${def.column}  ${def.path}${cond}`);
      }
      continue;
    }
    process.stdout.write(showParsed(parsed) + "\n");
  }
  return failed ? 1 : 0;
}
