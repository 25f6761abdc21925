import { mkdir, readdir, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Command, EXIT, parseFlags, UsageError } from "../command.ts";
import { scaffoldFiles } from "../scaffold.ts";

export const newCommand: Command = {
  name: "new",
  summary: "Scaffold a source module of your own (tide new source NAME)",
  usage: `Usage: tide new source NAME [--dir DIR]

Writes a working source module into DIR (default ./NAME): NAME.mjs (one async generator
per kind, for a paged REST API), its test (NAME.test.mjs, run with \`node --test\`), a
port-app-config.yml and blueprints.json. Edit the kind to call your API, then:

  node --test                                    # its own test
  NAME_API_URL=... tide resync --local --source ./NAME.mjs
  tide setup --source ./NAME.mjs                 # its blueprints in Port

NAME: lowercase letters, digits and dashes (it names the source, its settings and blueprint).

Exit codes: 0 written, 2 bad usage or DIR not empty.
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { dir: { type: "string" } }, true);
    const [what, name, ...extra] = positionals;
    if (what !== "source") throw new UsageError("say what to create: tide new source NAME");
    if (!name) throw new UsageError("tide new source needs a NAME, e.g. tide new source users-api");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    if (!/^[a-z][a-z0-9-]*$/.test(name))
      throw new UsageError(
        `NAME "${name}": use lowercase letters, digits and dashes, starting with a letter`,
      );
    const dirFlag = values.dir ?? name;
    const dir = isAbsolute(dirFlag) ? dirFlag : join(io.cwd, dirFlag);
    const existing = await readdir(dir).catch(() => []);
    if (existing.length > 0) throw new UsageError(`${dirFlag} is not empty: nothing written`);
    await mkdir(dir, { recursive: true });
    const files = scaffoldFiles(name);
    // Tide is installed from this checkout (npm links a folder): the module imports "tide".
    const tideRoot = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
    io.stdout.write(
      `created ${dirFlag}/: ${Object.keys(files).join(", ")}\n` +
        `next: cd ${dirFlag} && npm install ${tideRoot} && node --test\n`,
    );
    return EXIT.ok;
  },
};
