import { parsers, type Setting } from "../config.js";

/**
 * Who may call and how much: authentication, TLS, rate and watch limits. Defaults keep `npm start`
 * working on loopback for a newcomer; anything listening beyond loopback must be configured on
 * purpose (see `auth`).
 */
export const ACCESS_SETTINGS = {
  auth: {
    env: "FABRIC_AUTH",
    flag: "auth",
    description:
      "Bearer-token authentication: `on` (tokens required), `off` (local development only; warned at start), or `auto`: on when tokens are configured; without tokens, off with a warning on a loopback listen address and a refusal to start on any other.",
    default: "auto" as "auto" | "on" | "off",
    parse: parsers.oneOf("auto", "on", "off"),
  },
  authTokensFile: {
    env: "FABRIC_AUTH_TOKENS_FILE",
    flag: "auth-tokens-file",
    description: "Token and policy file (YAML or JSON; see README \"Authentication\"). Tokens may be stored as SHA-256 hashes.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  authTokens: {
    env: "FABRIC_AUTH_TOKENS",
    flag: "auth-tokens",
    description: "The same token document inline (for secrets injected as environment variables); merged with the file.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  rateLimitRps: {
    env: "FABRIC_RATE_LIMIT_RPS",
    flag: "rate-limit-rps",
    description: "Calls per second each token may make (token bucket; a token's own `rateLimit` wins); 0: unlimited.",
    default: 0,
    parse: parsers.int(0, 10_000_000),
  },
  rateLimitBurst: {
    env: "FABRIC_RATE_LIMIT_BURST",
    flag: "rate-limit-burst",
    description: "Calls a token may make at once above its rate (bucket size); 0: one second's worth.",
    default: 0,
    parse: parsers.int(0, 100_000_000),
  },
  maxWatchersPerConnection: {
    env: "FABRIC_MAX_WATCHERS_PER_CONNECTION",
    flag: "max-watchers-per-connection",
    description: "Open Watch streams one client connection may hold; more are refused with RESOURCE_EXHAUSTED. 0: unlimited.",
    default: 100,
    parse: parsers.int(0, 1_000_000),
  },
  tlsCertFile: {
    env: "FABRIC_TLS_CERT_FILE",
    flag: "tls-cert-file",
    description: "Server certificate chain (PEM). With the key, the server speaks TLS only.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  tlsKeyFile: {
    env: "FABRIC_TLS_KEY_FILE",
    flag: "tls-key-file",
    description: "Server private key (PEM).",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  tlsClientCaFile: {
    env: "FABRIC_TLS_CLIENT_CA_FILE",
    flag: "tls-client-ca-file",
    description: "CA bundle (PEM) for mutual TLS: every client must present a certificate it signed.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
} satisfies Record<string, Setting<unknown>>;
