/**
 * Broker rules: what a RabbitMQ version does with a request that the spec allows, as data (in the
 * spirit of codegen/quirks.ts), not as `if`s spread over the client.
 *
 * Theory of operation
 * - connection.start tells the client who it talks to: `product`, `version` and `capabilities`
 *   in server-properties. {@link brokerInfo} parses them once per connection.
 * - {@link BROKER_RULES} lists requests a RabbitMQ version treats specially, each with the
 *   method it concerns, what in the request matches (fields, an x-argument, its value), the
 *   versions it applies to and an action:
 *   - `refuse`: the broker would answer with an error that warren can predict from the request
 *     and the version alone, most often a deprecated feature that the version denies by default
 *     (541 INTERNAL_ERROR, which closes the whole connection). warren throws a
 *     {@link BrokerRuleError} on the call instead; nothing is sent and the connection lives.
 *     An application whose operators permit the feature lists it in the `permitDeprecatedFeatures`
 *     connect option, and the request goes out.
 *   - `warn`: the broker accepts the request but changes its meaning (global qos on 4.3) or
 *     ignores it. The request goes out; the connection's logger gets one warning per rule.
 *   - `explain`: only the broker's configuration tells (a deprecated feature permitted by default
 *     that an operator may deny). The request goes out; if the broker answers 541, the call
 *     rejects with a {@link DeprecatedFeatureError} that names the feature and the setting that
 *     permits it, with the broker's error as `cause`.
 * - Any 541 whose text names a deprecated feature is explained the same way, rule or not.
 * - {@link BrokerRules} is the per-connection state: the parsed broker, the permitted features,
 *   which warnings were given. The channel calls `check()` before sending a synchronous method
 *   and `explain()` when one fails; nothing else in the client knows about versions.
 */
import type { AnyMethod, FieldTable, FieldValue } from '../codec/index.js';
import { Field, WarrenError, isReplyError, type ReplyError } from '../codec/index.js';
import type { Logger } from './options.js';

/** Who the client is connected to, from connection.start's server-properties. */
export interface BrokerInfo {
  /** `product` as the server sent it, e.g. `RabbitMQ` ('' when absent). */
  readonly product: string;
  /** `version` as the server sent it, e.g. `4.3.6` ('' when absent). */
  readonly version: string;
  /** The version's leading numbers (0 when absent): 4.3.6 → major 4, minor 3, patch 6. */
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** True when the product is RabbitMQ: the rules below apply to it only. */
  readonly isRabbitMQ: boolean;
  /** The server's `capabilities` table (e.g. `per_consumer_qos: true`); boolean entries only. */
  readonly capabilities: Readonly<Record<string, boolean>>;
}

const parsed = new WeakMap<FieldTable, BrokerInfo>();

/** Parses (once per table) the product, version and capabilities of server-properties. */
export function brokerInfo(serverProperties: FieldTable): BrokerInfo {
  let info = parsed.get(serverProperties);
  if (info) return info;
  const product = text(serverProperties.product);
  const version = text(serverProperties.version);
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version) ?? []).slice(1).map((n) => Number(n ?? 0));
  const capabilities: Record<string, boolean> = {};
  const caps = serverProperties.capabilities;
  if (caps && typeof caps === 'object' && !Array.isArray(caps) && !(caps instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(caps as FieldTable)) if (typeof v === 'boolean') capabilities[k] = v;
  }
  info = { product, version, major, minor, patch, isRabbitMQ: /^rabbitmq$/i.test(product), capabilities };
  parsed.set(serverProperties, info);
  return info;
}

function text(v: FieldValue | undefined): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return '';
}

/** True when the broker is RabbitMQ at `version` (e.g. `'4.3'`) or later. */
export function versionAtLeast(info: BrokerInfo, version: string): boolean {
  const [ma = 0, mi = 0, pa = 0] = version.split('.').map(Number);
  if (info.major !== ma) return info.major > ma;
  if (info.minor !== mi) return info.minor > mi;
  return info.patch >= pa;
}

/** What a rule does with a matching request; see the file comment. */
export type BrokerRuleAction = 'refuse' | 'warn' | 'explain';

/** One version-specific behaviour of RabbitMQ, as data. */
export interface BrokerRule {
  /** A stable name, e.g. `queue-master-locator` (in errors and warnings). */
  readonly id: string;
  /** The method it concerns (the spec's dotted name). */
  readonly method: string;
  /** Matches when every one of these method fields has this value. */
  readonly fields?: Readonly<Record<string, boolean | number | string>>;
  /** Matches when the method's `arguments` table has this key... */
  readonly argument?: string;
  /** ...with this value (any value when omitted). */
  readonly argumentValue?: number | string | boolean;
  /** ...as a string that does not match this pattern (a regular expression's source, anchored). */
  readonly argumentNotMatching?: string;
  /**
   * Matches a queue.declare of one of these queue types (`x-queue-type`). A declare without
   * x-queue-type counts as `classic`, as warren's quorum options do: a vhost's default queue type
   * is not visible to the client.
   */
  readonly queueTypes?: readonly string[];
  /** First RabbitMQ version the rule applies to, e.g. `4.3`. */
  readonly since: string;
  /** First version it no longer applies to, if any. */
  readonly until?: string;
  readonly action: BrokerRuleAction;
  /** RabbitMQ's deprecated-feature name, when the behaviour is one (`deprecated_features.permit.<name>`). */
  readonly feature?: string;
  /** What the broker does, in a sentence. */
  readonly behaviour: string;
  /** What to do instead. */
  readonly remedy: string;
}

/**
 * The rules. Versions are those verified against Debian's rabbitmq-server 3.10.8 and 4.3.6
 * (test/integration/rabbitmq4/guardrails.test.ts) or stated by RabbitMQ's release notes and
 * deprecated-features list (https://www.rabbitmq.com/docs/deprecated-features).
 */
export const BROKER_RULES: readonly BrokerRule[] = [
  {
    id: 'queue-master-locator',
    method: 'queue.declare',
    argument: 'x-queue-master-locator',
    since: '4.3',
    action: 'refuse',
    feature: 'queue_master_locator',
    behaviour: 'x-queue-master-locator is a deprecated feature that this version does not permit by default: the broker answers 541 INTERNAL_ERROR and closes the whole connection',
    remedy: "use x-queue-leader-locator ('client-local' or 'balanced'; the leaderLocator queue option)",
  },
  {
    id: 'classic-queue-v1',
    method: 'queue.declare',
    argument: 'x-queue-version',
    argumentValue: 1,
    since: '4.3',
    action: 'refuse',
    behaviour: 'classic queue storage version 1 was removed: the broker answers 406 PRECONDITION_FAILED and closes the channel',
    remedy: 'omit x-queue-version (version 2 is the only one)',
  },
  {
    id: 'leader-locator-classic',
    method: 'queue.declare',
    fields: { passive: false },
    argument: 'x-queue-leader-locator',
    queueTypes: ['classic'],
    since: '3.8',
    until: '4.0',
    action: 'refuse',
    behaviour:
      "x-queue-leader-locator applies to quorum queues and streams only before RabbitMQ 4.0: for a classic queue the broker answers 406 PRECONDITION_FAILED (invalid arg) and closes the channel (verified on 3.10.8); from 4.0 on it places classic queues too",
    remedy: "declare a quorum queue (queueType: 'quorum') to choose its leader's node, or omit leaderLocator for a classic queue (before 4.0 x-queue-master-locator places it)",
  },
  {
    id: 'queue-mode',
    method: 'queue.declare',
    argument: 'x-queue-mode',
    since: '3.12',
    action: 'warn',
    behaviour: 'x-queue-mode is accepted and ignored: classic queues keep messages on disk and page them in as needed (what lazy mode did)',
    remedy: 'omit x-queue-mode',
  },
  {
    id: 'global-qos',
    method: 'basic.qos',
    fields: { global: true },
    since: '4.3',
    action: 'warn',
    feature: 'global_qos',
    behaviour: 'basic.qos with global=true is applied per consumer: each consumer on the channel may have prefetchCount unacknowledged deliveries, the channel as a whole is not limited',
    remedy: 'use per-consumer prefetch (the default of channel.prefetch())',
  },
  {
    id: 'stream-offset-string',
    method: 'basic.consume',
    argument: 'x-stream-offset',
    argumentNotMatching: '(first|last|next|0*[1-9][0-9]*[YMDhms])',
    since: '3.9',
    action: 'refuse',
    behaviour: "an x-stream-offset string other than 'first', 'last', 'next' or an interval such as '1h' is invalid: 3.x answers 541 INTERNAL_ERROR and closes the whole connection (4.x: 406, closing the channel; a zero interval such as '0s': 406 on both)",
    remedy: 'use channel.consumeStream() with a typed offset, or a number (int64), a timestamp or one of those strings',
  },
  {
    id: 'delivery-limit-unlimited',
    method: 'queue.declare',
    argument: 'x-delivery-limit',
    argumentValue: -1,
    since: '3.8',
    until: '4.0',
    action: 'refuse',
    behaviour: 'x-delivery-limit -1 means no limit from RabbitMQ 4.0 on; before 4.0 (verified on 3.10.8) a quorum queue takes it as a limit below any count and drops or dead-letters a message at its first requeue',
    remedy: 'omit x-delivery-limit (3.x quorum queues have no limit by default) or give a positive limit',
  },
  {
    id: 'delayed-retry',
    method: 'queue.declare',
    argument: 'x-delayed-retry-type',
    argumentNotMatching: 'disabled',
    since: '3.0',
    until: '4.3',
    action: 'refuse',
    behaviour: 'native delayed retry (x-delayed-retry-type, -min, -max) is a RabbitMQ 4.3 feature of quorum queues; earlier versions accept the arguments and ignore them (verified on 3.10.8): a rejected or nacked message comes back at once',
    remedy: 'use TTL retry tiers (retryTiers()), or retryPlan(connection.broker, queue, ...), which picks what the broker supports',
  },
  {
    id: 'consumer-timeout-queue',
    method: 'queue.declare',
    argument: 'x-consumer-timeout',
    since: '3.0',
    until: '3.12',
    action: 'refuse',
    behaviour: 'a per-queue consumer timeout (x-consumer-timeout) is read from RabbitMQ 3.12 on; earlier versions accept the argument and ignore it (verified on 3.10.8): only the node\'s consumer_timeout applies',
    remedy: "omit consumerTimeout and set the node's consumer_timeout (rabbitmq.conf), or settle deliveries sooner",
  },
  {
    id: 'consumer-timeout-consumer',
    method: 'basic.consume',
    argument: 'x-consumer-timeout',
    since: '3.0',
    until: '4.3',
    action: 'refuse',
    behaviour: 'a per-consumer timeout (the x-consumer-timeout consumer argument) is read by RabbitMQ 4.3 quorum queues only; earlier versions ignore it (verified on 3.10.8; their source never reads it)',
    remedy: "give the queue a consumerTimeout (RabbitMQ 3.12+), or set the node's consumer_timeout",
  },
  {
    id: 'transient-nonexclusive-queue',
    method: 'queue.declare',
    fields: { durable: false, exclusive: false, passive: false },
    since: '3.13',
    action: 'explain',
    feature: 'transient_nonexcl_queues',
    behaviour: 'queues that are neither durable nor exclusive are a deprecated feature: permitted by default (the broker logs a warning) unless an operator denies it, and then the broker answers 541 INTERNAL_ERROR and closes the whole connection',
    remedy: 'declare the queue durable (with an expires TTL to clean it up) or exclusive',
  },
];

/** warren refused a request that the connected broker's version would fail (see BROKER_RULES). The connection and channel stay open. */
export class BrokerRuleError extends WarrenError {
  override name = 'BrokerRuleError';
  /** The rule's id, e.g. `queue-master-locator`. */
  readonly rule: string;
  /** The refused method, e.g. `queue.declare`. */
  readonly method: string;
  /** The broker's product and version, e.g. `RabbitMQ 4.3.6`. */
  readonly broker: string;
  /** RabbitMQ's deprecated-feature name, when the rule is about one. */
  readonly feature: string | undefined;
  constructor(rule: BrokerRule, broker: BrokerInfo) {
    const who = `${broker.product} ${broker.version}`;
    const permit = rule.feature
      ? ` If your operators permit it (deprecated_features.permit.${rule.feature} = true on every node), list '${rule.feature}' in the permitDeprecatedFeatures connect option.`
      : '';
    super(`${rule.method} refused by warren (rule ${rule.id}, ${who}): ${rule.behaviour}. Instead, ${rule.remedy}.${permit}`);
    this.rule = rule.id;
    this.method = rule.method;
    this.broker = who;
    this.feature = rule.feature;
  }
}

/** The broker refused a deprecated feature with 541 INTERNAL_ERROR (the connection is closed); `cause` is its error. */
export class DeprecatedFeatureError extends WarrenError {
  override name = 'DeprecatedFeatureError';
  /** RabbitMQ's name for the feature, e.g. `transient_nonexcl_queues`. */
  readonly feature: string;
  /** The rabbitmq.conf line that permits it, for every node of the cluster. */
  readonly permitSetting: string;
  /** The method that used it. */
  readonly method: string;
  /** 541 */
  readonly replyCode: number;
  /** The broker's text. */
  readonly replyText: string;
  /** The warren rule that describes it, if any. */
  readonly rule: string | undefined;
  constructor(feature: string, method: string, cause: ReplyError, rule: BrokerRule | undefined) {
    const setting = `deprecated_features.permit.${feature} = true`;
    const what = rule ? `${rule.behaviour}. Instead, ${rule.remedy}` : `${method} uses it`;
    super(
      `the broker refused deprecated feature ${feature} and closed the connection (${cause.replyCode} INTERNAL_ERROR on ${method}): ${what}. ` +
        `Operators can permit it with \`${setting}\` in rabbitmq.conf on every node (then restart them).`,
      { cause },
    );
    this.feature = feature;
    this.permitSetting = setting;
    this.method = method;
    this.replyCode = cause.replyCode;
    this.replyText = cause.replyText;
    this.rule = rule?.id;
  }
}

/** True for a {@link BrokerRuleError} (checks `name`). */
export function isBrokerRuleError(e: unknown): e is BrokerRuleError {
  return e instanceof Error && e.name === 'BrokerRuleError';
}

/** True for a {@link DeprecatedFeatureError} (checks `name`). */
export function isDeprecatedFeatureError(e: unknown): e is DeprecatedFeatureError {
  return e instanceof Error && e.name === 'DeprecatedFeatureError';
}

function unwrap(v: unknown): unknown {
  return v instanceof Field ? v.value : v;
}

function sameValue(a: unknown, b: unknown): boolean {
  const x = unwrap(a);
  if (typeof x === 'bigint' && typeof b === 'number') return x === BigInt(b);
  if (x instanceof Uint8Array && typeof b === 'string') return new TextDecoder().decode(x) === b;
  return x === b;
}

/** True when `rule` concerns method `m` as sent to `broker`. */
export function ruleMatches(rule: BrokerRule, broker: BrokerInfo, m: AnyMethod): boolean {
  if (m.kind !== rule.method || !broker.isRabbitMQ) return false;
  if (!versionAtLeast(broker, rule.since) || (rule.until !== undefined && versionAtLeast(broker, rule.until))) return false;
  const fields = m as unknown as Record<string, unknown>;
  if (rule.fields) for (const [k, v] of Object.entries(rule.fields)) if (fields[k] !== v) return false;
  if (rule.queueTypes !== undefined) {
    const declared = unwrap((fields.arguments as FieldTable | undefined)?.['x-queue-type']);
    const type = declared === undefined ? 'classic' : declared instanceof Uint8Array ? new TextDecoder().decode(declared) : declared;
    if (!rule.queueTypes.includes(type as string)) return false;
  }
  if (rule.argument !== undefined) {
    const args = fields.arguments as FieldTable | undefined;
    if (!args || !(rule.argument in args)) return false;
    if (rule.argumentValue !== undefined && !sameValue(args[rule.argument], rule.argumentValue)) return false;
    if (rule.argumentNotMatching !== undefined) {
      const v = unwrap(args[rule.argument]);
      const str = typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined;
      if (str === undefined || new RegExp(`^(?:${rule.argumentNotMatching})$`).test(str)) return false;
    }
  }
  return true;
}

const DEPRECATED = /Feature `([A-Za-z0-9_]+)` is deprecated/;

/** The rules as one connection applies them: its broker, its permitted features, its warnings given. */
export class BrokerRules {
  readonly #serverProperties: () => FieldTable;
  readonly #logger: Logger | undefined;
  readonly #permitted: ReadonlySet<string>;
  readonly #warned = new Set<string>();
  readonly #rules: readonly BrokerRule[];

  /** `serverProperties` is read at each check (a recovered connection may reach another node). */
  constructor(options: { serverProperties: () => FieldTable; logger?: Logger | undefined; permitDeprecatedFeatures?: readonly string[] | undefined; rules?: readonly BrokerRule[] }) {
    this.#serverProperties = options.serverProperties;
    this.#logger = options.logger;
    this.#permitted = new Set(options.permitDeprecatedFeatures ?? []);
    this.#rules = options.rules ?? BROKER_RULES;
  }

  /** The connection's logger, if any. */
  get logger(): Logger | undefined {
    return this.#logger;
  }

  /** The connected broker. */
  get broker(): BrokerInfo {
    return brokerInfo(this.#serverProperties());
  }

  /** Throws a BrokerRuleError for a refused request; logs a `warn` rule's warning once. */
  check(m: AnyMethod): void {
    const broker = this.broker;
    for (const rule of this.#rules) {
      if (rule.action === 'explain' || !ruleMatches(rule, broker, m)) continue;
      if (rule.feature !== undefined && this.#permitted.has(rule.feature)) continue;
      if (rule.action === 'refuse') throw new BrokerRuleError(rule, broker);
      if (!this.#warned.has(rule.id)) {
        this.#warned.add(rule.id);
        this.#logger?.warn?.(`${rule.method} on ${broker.product} ${broker.version} (rule ${rule.id}): ${rule.behaviour}. Instead, ${rule.remedy}.`, { rule: rule.id, method: rule.method, broker: broker.version });
      }
    }
  }

  /** The error a failed call rejects with: a 541 naming a deprecated feature becomes a DeprecatedFeatureError. */
  explain(m: AnyMethod, error: unknown): unknown {
    if (!isReplyError(error) || error.replyCode !== 541) return error;
    const broker = this.broker;
    const named = DEPRECATED.exec(error.replyText)?.[1];
    const rule = this.#rules.find((r) => r.feature !== undefined && (named === undefined || r.feature === named) && ruleMatches(r, broker, m));
    const feature = named ?? rule?.feature;
    return feature === undefined ? error : new DeprecatedFeatureError(feature, m.kind, error, rule);
  }
}
