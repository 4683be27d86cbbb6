import type { IncomingMessage } from 'node:http';
import contentType from 'content-type';
import getRawBody from 'raw-body';
import { HttpError } from './errors';

/** Reads a request body as bytes, refusing more than `limit` with 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    return await getRawBody(req, { limit, length: req.headers['content-length'] });
  } catch (error: unknown) {
    // raw-body leaves the request paused with the rest of the body unread, and
    // the keep-alive connection would wait for it forever: discard the rest
    // (as body-parser does) so the next request on the connection is answered.
    req.resume();
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      throw new HttpError(413, 'Body too large', `Request bodies on this endpoint are limited to ${limit} bytes.`, { limit });
    }
    if (type === 'request.size.invalid') {
      throw new HttpError(400, 'Body length mismatch', 'The body was shorter or longer than its Content-Length header said.');
    }
    throw new HttpError(400, 'Unreadable body', 'The request body could not be read (the client may have hung up).');
  }
}

/** Parses a JSON body already read: 415 if it isn't declared as JSON, 400 if empty or malformed. */
export function parseJson(declared: string | undefined, bytes: Buffer): unknown {
  // content-type@2 is lenient: anything unparseable simply isn't JSON, and gets the 415 below.
  const mediaType = declared ? contentType.parse(declared).type.toLowerCase() : '';
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    throw new HttpError(
      415,
      'Expected JSON',
      `This endpoint takes a JSON body: send "Content-Type: application/json"${declared ? ` (got "${declared}")` : ''}.`,
    );
  }
  if (bytes.length === 0) throw new HttpError(400, 'Empty body', 'This endpoint needs a JSON body, and the request had none.');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error: unknown) {
    const why = error instanceof SyntaxError ? error.message : 'it is not valid JSON';
    throw new HttpError(400, 'Malformed JSON', `The body could not be parsed as JSON: ${why}.`);
  }
}
