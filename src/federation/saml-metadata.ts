// SAML IdPs' metadata for the pools: parsed by the SAML adapter's protocol code, fetched safely,
// refreshed, and kept when the IdP is down.
import type { Logger } from 'pino';
import type { Store } from '../directory/store.js';
import type { IdentityProvider } from '../directory/types.js';
import { isAllowedEndpointUrl } from '../shared/urls.js';
import { fetchMetadata } from '../../providers/saml/fetch-metadata.js';
import { SamlError, type IdpMetadata } from '../../providers/saml/types.js';
import { parseChecked, parseIdpMetadata, type Parsed } from '../../providers/saml/metadata.js';

export { parseIdpMetadata };

/** A MetadataURL that does not answer now (as opposed to metadata that answers and is wrong). */
export class MetadataUnreachable extends SamlError {
  constructor(message: string) {
    super('config', message);
    this.name = 'MetadataUnreachable';
  }
}

export const METADATA_REFRESH_MS = 86_400_000;
export const UNKNOWN_KEY_RETRY_MS = 300_000;
export const METADATA_MAX_BYTES = 1_048_576;
export const METADATA_TIMEOUT_MS = 10_000;
/** After a failed fetch, the next attempt waits this long (the last good copy is served meanwhile). */
export const METADATA_FAILURE_RETRY_MS = 60_000;

export interface IdpMetadataSourceOptions {
  store: Store;
  fetch?: typeof fetch;
  now?: () => number;
  log?: Logger;
  /** Re-fetch a MetadataURL once its copy is this old (24 h). */
  refreshMs?: number;
  /** At most one re-fetch per provider this often after a signature by an unknown key (5 min). */
  unknownKeyRetryMs?: number;
  /** Bigger metadata is refused (1 MiB, counted after any content decoding). */
  maxBytes?: number;
  /** The whole fetch, redirects and body included, must end within this (10 s). */
  timeoutMs?: number;
  /** After a failed fetch, wait this long before the next one (1 min). */
  failureRetryMs?: number;
}

/** A copy of a MetadataURL's metadata. */
interface Copy {
  url: string;
  xml: string;
  parsed: Parsed;
  fetchedAt: number;
}

/** What this process knows of one provider's MetadataURL. */
interface UrlState {
  url: string;
  copy: Copy | null;
  /** The store was read for a persisted copy. */
  loading: Promise<void> | null;
  /** The newest persisted version: its number and its metadata as JSON (to write only changes). */
  persisted: { n: number; metadata: string } | null;
  fetching: Promise<Copy | null> | null;
  retryAt: number;
  lastError: string | null;
  unknownKeyFetchAt: number;
}

/**
 * The metadata of each SAML provider. A MetadataFile is parsed as is; a MetadataURL is fetched
 * (https, or http on a loopback host; timeout, size cap, no redirect to plain http), re-fetched
 * once older than `refreshMs`, and its last good copy is served when a fetch fails. Good copies
 * are persisted in the store (`store.metadataCopies`, one numbered version per change) so a restart while the IdP is down still has one.
 */
export class IdpMetadataSource {
  private readonly store: Store;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly refreshMs: number;
  private readonly unknownKeyRetryMs: number;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly failureRetryMs: number;
  private readonly urls = new Map<string, UrlState>();
  private readonly files = new Map<string, { xml: string; parsed: Parsed }>();

  constructor(o: IdpMetadataSourceOptions) {
    this.store = o.store;
    this.fetchFn = o.fetch ?? ((input, init) => fetch(input, init));
    this.now = o.now ?? Date.now;
    this.log = o.log;
    this.refreshMs = o.refreshMs ?? METADATA_REFRESH_MS;
    this.unknownKeyRetryMs = o.unknownKeyRetryMs ?? UNKNOWN_KEY_RETRY_MS;
    this.maxBytes = o.maxBytes ?? METADATA_MAX_BYTES;
    this.timeoutMs = o.timeoutMs ?? METADATA_TIMEOUT_MS;
    this.failureRetryMs = o.failureRetryMs ?? METADATA_FAILURE_RETRY_MS;
  }

  /** The provider's current metadata; SamlError('config') when there is no good copy. */
  async get(provider: IdentityProvider): Promise<IdpMetadata> {
    const source = this.sourceOf(provider);
    if ('file' in source) return this.fromFile(provider, source.file);
    const state = await this.stateOf(provider, source.url);
    const now = this.now();
    const copy = state.copy;
    const usable = copy !== null && now < copy.parsed.validUntil;
    if ((!usable || now - copy.fetchedAt >= this.refreshMs) && now >= state.retryAt) await this.refresh(provider, state);
    const fresh = state.copy;
    if (fresh && this.now() < fresh.parsed.validUntil) return fresh.parsed.metadata;
    const why = state.lastError ?? 'no copy could be fetched';
    throw new SamlError(
      'config',
      fresh
        ? `the metadata of SAML provider ${provider.name} has an expired signing certificate and no newer copy (${why})`
        : `no metadata for SAML provider ${provider.name}: ${why}`,
    );
  }

  /**
   * After a signature by a key the metadata does not list: re-fetches a MetadataURL, at most once per
   * `unknownKeyRetryMs` per provider. The new metadata when its signing certificates changed; null
   * when nothing was fetched (a MetadataFile, too soon, the fetch failed) or they are the same.
   */
  async refreshAfterUnknownKey(provider: IdentityProvider): Promise<IdpMetadata | null> {
    const source = this.sourceOf(provider);
    if ('file' in source) return null;
    const state = await this.stateOf(provider, source.url);
    const now = this.now();
    if (now - state.unknownKeyFetchAt < this.unknownKeyRetryMs) return null;
    state.unknownKeyFetchAt = now;
    const before = state.copy?.parsed.metadata.signingCerts ?? [];
    const copy = await this.refresh(provider, state);
    if (!copy) return null;
    const after = copy.parsed.metadata.signingCerts;
    const same = after.length === before.length && after.every((c) => before.includes(c));
    return same ? null : copy.parsed.metadata;
  }

  /** Checks the ProviderDetails of a SAML provider being registered; its metadata, or SamlError('config'). */
  async validateRegistration(details: Record<string, string>): Promise<IdpMetadata> {
    const { MetadataFile: file, MetadataURL: url } = details;
    if (file && url) throw new SamlError('config', 'a SAML provider takes MetadataURL or MetadataFile, not both');
    if (file) return parseIdpMetadata(file, this.now());
    if (!url) throw new SamlError('config', 'a SAML provider needs MetadataURL or MetadataFile');
    if (!isAllowedEndpointUrl(url)) throw new SamlError('config', 'MetadataURL must be https (http only on a loopback host)');
    let xml: string;
    try {
      xml = await this.download(url);
    } catch (err) {
      throw new MetadataUnreachable(`the metadata at ${url} could not be fetched: ${reason(err)}`);
    }
    return parseIdpMetadata(xml, this.now());
  }

  private sourceOf(provider: IdentityProvider): { file: string } | { url: string } {
    const { ProviderType: type, ProviderDetails: details } = provider.settings;
    if (type !== 'SAML') throw new SamlError('config', `provider ${provider.name} is not a SAML provider`);
    if (details.MetadataFile) return { file: details.MetadataFile };
    const url = details.MetadataURL;
    if (!url) throw new SamlError('config', `SAML provider ${provider.name} has neither MetadataURL nor MetadataFile`);
    if (!isAllowedEndpointUrl(url)) throw new SamlError('config', `the MetadataURL of SAML provider ${provider.name} must be https (http only on a loopback host)`);
    return { url };
  }

  private fromFile(provider: IdentityProvider, xml: string): IdpMetadata {
    const key = slot(provider);
    const now = this.now();
    let cached = this.files.get(key);
    if (!cached || cached.xml !== xml || now >= cached.parsed.validUntil) {
      this.files.delete(key);
      cached = { xml, parsed: parseChecked(xml, now) };
      this.files.set(key, cached);
    }
    return cached.parsed.metadata;
  }

  /** This provider's state, with its persisted copy loaded; reset when its MetadataURL changed. */
  private async stateOf(provider: IdentityProvider, url: string): Promise<UrlState> {
    const key = slot(provider);
    let state = this.urls.get(key);
    if (!state || state.url !== url) {
      state = { url, copy: null, loading: null, persisted: null, fetching: null, retryAt: 0, lastError: null, unknownKeyFetchAt: -Infinity };
      this.urls.set(key, state);
      const s = state;
      s.loading = this.loadPersisted(provider, s).catch((err) => {
        this.log?.warn({ poolId: provider.poolId, provider: provider.name, err: reason(err) }, 'SAML metadata: the persisted copy could not be read');
      });
    }
    await state.loading;
    return state;
  }

  private async loadPersisted(provider: IdentityProvider, state: UrlState): Promise<void> {
    const latest = await this.latestVersion(provider);
    if (!latest) return;
    const record = JSON.parse(latest.value) as { url: string; xml: string; fetchedAt: number };
    let parsed: Parsed;
    try {
      parsed = parseChecked(record.xml, this.now());
    } catch {
      state.persisted = { n: latest.n, metadata: '' };
      return; // expired since: fetch a new one
    }
    state.persisted = { n: latest.n, metadata: JSON.stringify(parsed.metadata) + record.url };
    if (record.url === state.url && !state.copy) state.copy = { url: record.url, xml: record.xml, parsed, fetchedAt: record.fetchedAt };
  }

  /** Fetches and parses the metadata once for concurrent callers; null (last good copy kept) on failure. */
  private refresh(provider: IdentityProvider, state: UrlState): Promise<Copy | null> {
    state.fetching ??= this.fetchCopy(provider, state).finally(() => {
      state.fetching = null;
    });
    return state.fetching;
  }

  private async fetchCopy(provider: IdentityProvider, state: UrlState): Promise<Copy | null> {
    const started = this.now();
    let copy: Copy;
    try {
      let xml: string;
      try {
        xml = await this.download(state.url);
      } catch (err) {
        throw new Error(`the metadata at ${state.url} could not be fetched: ${reason(err)}`);
      }
      copy = { url: state.url, xml, parsed: parseChecked(xml, this.now()), fetchedAt: started };
    } catch (err) {
      state.lastError = reason(err);
      state.retryAt = started + this.failureRetryMs;
      this.log?.warn(
        { poolId: provider.poolId, provider: provider.name, url: state.url, err: reason(err), keptCopy: state.copy !== null },
        'SAML metadata fetch failed; serving the last good copy if there is one',
      );
      return null;
    }
    if (this.urls.get(slot(provider)) !== state) return copy; // the provider changed meanwhile
    state.copy = copy;
    state.lastError = null;
    state.retryAt = 0;
    await this.persist(provider, state, copy).catch((err) => {
      this.log?.warn({ poolId: provider.poolId, provider: provider.name, err: reason(err) }, 'SAML metadata: the new copy could not be persisted');
    });
    return copy;
  }

  /** Writes the copy as the next version unless the newest persisted one says the same. */
  private async persist(provider: IdentityProvider, state: UrlState, copy: Copy): Promise<void> {
    const metadata = JSON.stringify(copy.parsed.metadata) + copy.url;
    if (state.persisted?.metadata === metadata) return;
    const n = (state.persisted?.n ?? (await this.latestVersion(provider))?.n ?? 0) + 1;
    const value = JSON.stringify({ url: copy.url, xml: copy.xml, fetchedAt: copy.fetchedAt });
    await this.store.metadataCopies.addMetadataCopy(provider.poolId, provider.name, n, value);
    state.persisted = { n, metadata };
  }

  private async latestVersion(provider: IdentityProvider): Promise<{ n: number; value: string } | null> {
    const latest = await this.store.metadataCopies.latestMetadataCopy(provider.poolId, provider.name);
    return latest && { n: latest.version, value: latest.value };
  }

  private download(url: string): Promise<string> {
    return fetchMetadata(this.fetchFn, url, { timeoutMs: this.timeoutMs, maxBytes: this.maxBytes });
  }
}

const slot = (p: IdentityProvider) => `${p.poolId}/${p.name}`;
const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));
