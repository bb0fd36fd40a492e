// Values the shell builds at run time (zimbatm-home packages/gsnap `token="gsnap$$x$RANDOM"`) and
// sed substitutions of a password read at run time (machines/mc1 `s|^rcon.password=.*|...=$pw|`),
// judged wrong as hard-coded secrets: what is left between the expansions decides.
import { describe, expect, it } from "vitest";
import { detectSecrets } from "../../src/secrets/detect.js";
import { Gen } from "./gen.js";

const gen = new Gen(515);
const detectors = (text: string) => detectSecrets(text, { fileKind: "sh" }).map((m) => `${m.detector} ${text.slice(m.start, m.end)}`);

describe("shell expansions in a key=value", () => {
  it("a value built from $$, $RANDOM, ${VAR} and $(...) is no literal", () => {
    expect(detectors('token="gsnap$$x$RANDOM"\n')).toEqual([]);
    expect(detectors('session_token="req_${USER}_$(date +%s)_$$"\n')).toEqual([]);
    expect(detectors("password=\"pre$PW\"\n")).toEqual([]);
  });

  it("a random literal beside an expansion still fires", () => {
    const tok = gen.chars(32);
    expect(detectors(`api_token="${tok}$SUFFIX"\n`)).toEqual([`generic-secret ${tok}$SUFFIX`]);
  });

  it("single quotes keep $ literal: the value is what is written", () => {
    expect(detectors("password='hunter2$abc'\n")).toEqual(["plaintext-password hunter2$abc"]);
  });
});

describe("sed substitutions", () => {
  it("a pattern and a replacement from a variable are silent", () => {
    expect(detectors('sed -i "s|^rcon.password=.*|rcon.password=$pw|" server.properties\n')).toEqual([]);
    expect(detectors('sed -i "s/^api_key=.*/api_key=${API_KEY}/" app.ini\n')).toEqual([]);
  });

  it("a literal replacement is the password", () => {
    expect(detectors("sed -i 's|^rcon.password=.*|rcon.password=Bl0ckyCr4ft-2024|' server.properties\n")).toEqual(["plaintext-password Bl0ckyCr4ft-2024"]);
  });
});
