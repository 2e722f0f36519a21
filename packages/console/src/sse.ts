/** Parsing of a text/event-stream body (server-sent events), for the job page's live events. */
export interface SseFrame {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * Splits `buffer` into complete frames (blank-line separated, WHATWG HTML §9.2.6) and the
 * incomplete rest; comment lines and unknown fields are skipped.
 */
export function parseSse(buffer: string): { frames: SseFrame[]; rest: string } {
  const text = buffer.replace(/\r\n?/g, '\n');
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  const frames: SseFrame[] = [];
  for (const block of blocks) {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) frames.push({ event, id, data: data.join('\n') });
  }
  return { frames, rest };
}
