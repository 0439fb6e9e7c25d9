import { type ChangeHint, type EventParseOptions, type EventParser, UnrecognizedEventError } from "@afsync/core";

/**
 * Picks the provider's parser from an event's shape. Each provider registers one parser with its
 * shape detector (`eventParsers.ts`); the Lambda events handler and `afsync event parse` call
 * `parse` and never name a provider. A batch whose events no single parser detects is parsed
 * event by event; an event no parser recognises is an `UnrecognizedEventError` listing what each
 * registered parser expects.
 */
export class EventParserRegistry {
  readonly #parsers: EventParser[] = [];

  register(parser: EventParser): this {
    if (this.#parsers.some((p) => p.provider === parser.provider))
      throw new Error(`an event parser for ${parser.provider} is registered already`);
    this.#parsers.push(parser);
    return this;
  }

  get providers(): string[] {
    return this.#parsers.map((p) => p.provider);
  }

  /** The parser whose detector accepts the event, or undefined. */
  detect(event: unknown): EventParser | undefined {
    return this.#parsers.find((p) => p.detect(event));
  }

  parse(event: unknown, options: EventParseOptions = {}): ChangeHint[] {
    const parser = this.detect(event);
    if (parser !== undefined) return parser.parse(event, options);
    if (Array.isArray(event) && event.length > 0) return event.flatMap((one, i) => this.#parseOne(one, options, `[${i}]`));
    return this.#parseOne(event, options, "event");
  }

  #parseOne(event: unknown, options: EventParseOptions, where: string): ChangeHint[] {
    const parser = this.detect(event);
    if (parser !== undefined) return parser.parse(event, options);
    const expected = this.#parsers.map((p) => `${p.provider}: ${p.expects}`).join("; ");
    throw new UnrecognizedEventError(
      `${where}: not an event any provider afsync knows sends (expected ${expected || "a registered provider's event"})`,
    );
  }
}
