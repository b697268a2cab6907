/**
 * The errors the bundle throws on purpose: a short, flat hierarchy mirroring
 * honestballot/errors.py.  A failed check throws one of these with a message naming
 * what failed; no check returns a bare `false`.
 */

/** Base class: every deliberate failure in honestballot's browser code. */
export class HonestBallotError extends Error {}

/** Bytes or JSON that do not decode to a valid value (bad point, scalar, field, code). */
export class EncodingError extends HonestBallotError {}

/** A record object whose structure, version or size is wrong. */
export class RecordFormatError extends EncodingError {}

/** A plaintext choice that breaks a contest's rules (raised before anything is encrypted). */
export class InvalidSelection extends RecordFormatError {}

/** A zero-knowledge proof or signature that does not verify. */
export class InvalidProof extends HonestBallotError {}

/** A ballot that breaks the manifest's rules or whose proofs fail. */
export class InvalidBallot extends HonestBallotError {}

/** A transparency-log proof, tree head or entry that does not check out. */
export class LogError extends HonestBallotError {}

// Explicit names: the bundle is minified, so class names cannot be relied upon.
for (const [cls, name] of /** @type {const} */ ([
  [HonestBallotError, 'HonestBallotError'],
  [EncodingError, 'EncodingError'],
  [RecordFormatError, 'RecordFormatError'],
  [InvalidSelection, 'InvalidSelection'],
  [InvalidProof, 'InvalidProof'],
  [InvalidBallot, 'InvalidBallot'],
  [LogError, 'LogError'],
])) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}
