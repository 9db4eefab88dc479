import { spawn } from "node:child_process";

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion and collects its output: for tests that use a tool as a person does
 * (npm, npx, node on a script). `env` replaces the environment when `replaceEnv`, else extends it;
 * `input` is written to its standard input.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; replaceEnv?: boolean; input?: string },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const env = options.replaceEnv ? options.env : { ...process.env, ...options.env };
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}
