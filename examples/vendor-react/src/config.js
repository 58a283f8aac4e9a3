/**
 * Where Latchkey is and which publishable key to hand the SDK.
 *
 * Build time wins: `VITE_LATCHKEY_URL` and `VITE_CLERK_PUBLISHABLE_KEY` (Vite env). Without
 * them the app asks the server that serves it for `/config.json`
 * (`{ "proxyUrl": "...", "publishableKey": "..." }`), so one build runs against any Latchkey.
 * @returns {Promise<{ publishableKey: string, proxyUrl: string }>}
 */
export async function loadConfig() {
  const built = {
    proxyUrl: import.meta.env.VITE_LATCHKEY_URL,
    publishableKey: import.meta.env.VITE_CLERK_PUBLISHABLE_KEY,
  };
  if (built.proxyUrl && built.publishableKey) return built;
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`GET /config.json answered ${res.status}`);
  const served = await res.json();
  const config = {
    proxyUrl: built.proxyUrl || served.proxyUrl,
    publishableKey: built.publishableKey || served.publishableKey,
  };
  if (!config.proxyUrl || !config.publishableKey) {
    throw new Error('/config.json lacks proxyUrl or publishableKey');
  }
  return config;
}
