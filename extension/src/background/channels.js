// Alert channels: where a guardian or school asked alerts to go. Each builds its request from an
// alert that holds only category, level, site, time and cue ids — plus an excerpt of the message
// only when `includeExcerpt` is on. Delivery (retries, once per channel) is the outbox's job.

const encoder = new TextEncoder();

/** The webhook body, as documented in extension/doc/admin-deployment.md. */
export function webhookBody(alert, settings) {
  const body = {
    version: 1,
    id: alert.id,
    category: alert.category,
    level: alert.level,
    site: alert.site,
    time: alert.time,
    cues: alert.cues,
  };
  if (settings.includeExcerpt && typeof alert.excerpt === 'string') body.excerpt = alert.excerpt;
  return JSON.stringify(body);
}

/** `sha256=<hex HMAC-SHA256 of body with secret>`, as the X-Lindungi-Signature header carries. */
export async function signature(secret, body) {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The channels configured in `settings`, by name. */
export function configuredChannels(settings) {
  const channels = [];
  if (settings.webhookUrl && settings.webhookSecret) channels.push('webhook');
  if (settings.ntfyTopic) channels.push('ntfy');
  if (settings.notify) channels.push('notification');
  return channels;
}

/** A short, minimal push or notification text: no message content, ever. */
export function ntfyText(alert, t) {
  return t('alertPushText', [t(`categoryName_${alert.category}`), t(`levelName_${alert.level}`), alert.site]);
}

/**
 * Sends one alert on one channel. Resolves when delivered; throws with a readable message when
 * not (the outbox records it and retries).
 */
export async function send(channel, alert, settings, { fetch = globalThis.fetch, t, notify } = {}) {
  if (channel === 'webhook') {
    const body = webhookBody(alert, settings);
    const response = await fetch(settings.webhookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Lindungi-Signature': await signature(settings.webhookSecret, body),
        'X-Lindungi-Alert-Id': alert.id,
      },
      body,
      credentials: 'omit',
      cache: 'no-store',
    });
    if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
    return;
  }
  if (channel === 'ntfy') {
    const url = `${settings.ntfyServer.replace(/\/+$/, '')}/${settings.ntfyTopic}`;
    const headers = { Title: 'Lindungi', Priority: alert.level === 'high' ? 'high' : 'default', Tags: 'shield' };
    if (settings.ntfyToken) headers.Authorization = `Bearer ${settings.ntfyToken}`;
    const response = await fetch(url, { method: 'POST', headers, body: ntfyText(alert, t), credentials: 'omit', cache: 'no-store' });
    if (!response.ok) throw new Error(`ntfy answered HTTP ${response.status}`);
    return;
  }
  if (channel === 'notification') {
    await notify(alert);
    return;
  }
  throw new Error(`unknown channel ${channel}`);
}
