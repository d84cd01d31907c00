// The live progress line: rewritten in place on a terminal, one line every 5 s in a log.
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): { print: (line: string) => void; done: () => void } {
  let n = 0;
  return {
    print(line) {
      n += 1;
      if (stream.isTTY) stream.write(`\r${line}\u001b[K`);
      else if (n % 5 === 1) stream.write(`${line}\n`);
    },
    done() {
      if (stream.isTTY && n > 0) stream.write('\n');
    },
  };
}
