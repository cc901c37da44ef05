// The one script the hosted pages run: the browser's WebAuthn for a passkey form. It is inlined and
// allowed by the pages' CSP by its hash (no script from elsewhere, no other inline script). The form
// carries the ceremony (`data-kind`: create or get) and the broker's options as JSON (`data-options`);
// the credential goes back in the form's `credential` field.
import { createHash } from 'node:crypto';

export const PASSKEY_SCRIPT = `(() => {
  const f = document.getElementById('passkey-form');
  if (!f) return;
  f.addEventListener('submit', async (e) => {
    if (f.elements.credential.value) return;
    e.preventDefault();
    const out = document.getElementById('passkey-error');
    try {
      if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) throw new Error('This browser cannot use passkeys.');
      const o = JSON.parse(f.dataset.options);
      const c = f.dataset.kind === 'create'
        ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(o) })
        : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o) });
      f.elements.credential.value = JSON.stringify(c.toJSON());
      f.submit();
    } catch (err) {
      out.textContent = 'The passkey did not work (' + (err && err.name ? err.name : 'error') + '). Try again, or sign in another way.';
    }
  });
})();`;

/** The CSP source that allows PASSKEY_SCRIPT inline, and nothing else. */
export const PASSKEY_SCRIPT_HASH = `'sha256-${createHash('sha256').update(PASSKEY_SCRIPT).digest('base64')}'`;
