// A compact JWS's header and payload as JSON, without checking anything (the tests that check
// signatures use the code under test, or jose).

/** The decoded header and payload of a compact JWS (`header.payload.signature`, base64url JSON). */
export function decodeJws(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

/** The payload (claims) of a compact JWS. */
export const claimsOf = (token: string): Record<string, unknown> => decodeJws(token).payload;

/** The protected header of a compact JWS. */
export const headerOf = (token: string): Record<string, unknown> => decodeJws(token).header;
