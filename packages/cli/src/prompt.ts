/** Reading a line from the terminal, optionally without echo (passwords, codes). */
import { createInterface } from 'node:readline';

/**
 * Asks `question` on stderr and resolves with the answer. With `hidden`, typed characters are
 * not echoed (when stdin is a terminal).
 * @throws Error when stdin ends before a line is read
 */
export function ask(question: string, hidden = false): Promise<string> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stderr,
    terminal: !!process.stdin.isTTY,
  });
  let muted = false;
  if (hidden) {
    const orig = (rl as unknown as { _writeToOutput(s: string): void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput(s: string): void })._writeToOutput = (s: string) => {
      if (!muted) orig(s);
    };
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    rl.question(question, (a) => {
      answered = true;
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(a);
    });
    muted = hidden;
    rl.on('close', () => {
      if (!answered) reject(new Error(`no answer to "${question.trim()}" (stdin closed)`));
    });
  });
}
