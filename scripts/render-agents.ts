// `npm run agents`: re-renders the Claude Code plugin and the Gemini CLI extension shipped in
// agent-definitions/ from the agent definitions and prompt templates.
import { writeShippedFiles } from "../src/agents/shipped.js";

const files = await writeShippedFiles();
console.log(`wrote ${files.length} files:\n${files.map((f) => `  ${f}`).join("\n")}`);
