// Cognito's device tracking: a pool with a DeviceConfiguration gives every new sign-in a device
// (NewDeviceMetadata), which the app confirms with its own SRP verifier (ConfirmDevice) and may ask
// to have remembered. A device the user forgot, or never had, answers exactly "Device does not
// exist." (Amplify forgets its keys and signs in again on that message).
import { randomBytes, randomUUID } from 'node:crypto';
import { NotFound } from '../directory/errors.js';
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';
import type { Device, DeviceStatus, Pool, User } from '../directory/types.js';
import { InvalidParameterException } from './errors.js';

interface DeviceDeps {
  store: Store;
  sealer: Sealer;
  now(): number;
}

const DEVICE_NOT_FOUND = 'Device does not exist.';
export const deviceNotFound = () => new NotFound('ResourceNotFoundException', DEVICE_NOT_FOUND);
export const isDeviceNotFound = (err: { code: string; message: string }) => err.code === 'ResourceNotFoundException' && err.message === DEVICE_NOT_FOUND;

/** A new, unconfirmed device for this sign-in: `<region>_<uuid>` as Cognito names them, and its group key. */
export async function newDevice(d: DeviceDeps, pool: Pool, user: User, ip: string | null): Promise<{ DeviceKey: string; DeviceGroupKey: string }> {
  const deviceKey = `${pool.id.split('_')[0]}_${randomUUID()}`;
  const deviceGroupKey = `-${randomBytes(6).toString('base64url')}`;
  await d.store.devices.createDevice({
    poolId: pool.id, userId: user.id, deviceKey, deviceGroupKey, verifier: null, attributes: {}, status: null, confirmed: false,
    lastAuthenticatedAt: d.now(), lastIp: ip,
  });
  return { DeviceKey: deviceKey, DeviceGroupKey: deviceGroupKey };
}

/** The user's device a sign-in names (its DEVICE_KEY), noted as just used; "Device does not exist." otherwise. */
export async function signedInDevice(d: DeviceDeps, pool: Pool, user: User, deviceKey: string, ip: string | null): Promise<Device> {
  const device = await d.store.devices.updateDevice(pool.id, user.id, deviceKey, { lastAuthenticatedAt: d.now(), lastIp: ip });
  if (!device) throw deviceNotFound();
  return device;
}

const base64ToHex = (v: string, name: string) => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v) || v.length > 1024) throw new InvalidParameterException(`DeviceSecretVerifierConfig.${name} is not base64.`);
  return Buffer.from(v, 'base64').toString('hex');
};

/**
 * ConfirmDevice: the device's SRP verifier (kept sealed, for DEVICE_SRP_AUTH) and name. Remembered at
 * once unless the pool remembers devices only when the user says so (then UserConfirmationNecessary).
 */
export async function confirmDevice(
  d: DeviceDeps, pool: Pool, user: User, deviceKey: string, config: { PasswordVerifier: string; Salt: string }, name: string | undefined,
): Promise<{ UserConfirmationNecessary: boolean }> {
  const existing = await d.store.devices.getDevice(pool.id, user.id, deviceKey);
  if (!existing) throw deviceNotFound();
  const verifier = d.sealer.seal(JSON.stringify({ salt: base64ToHex(config.Salt, 'Salt'), verifier: base64ToHex(config.PasswordVerifier, 'PasswordVerifier') }));
  const onPrompt = pool.settings.DeviceConfiguration?.DeviceOnlyRememberedOnUserPrompt ?? false;
  await d.store.devices.updateDevice(pool.id, user.id, deviceKey, {
    verifier, confirmed: true, status: onPrompt ? null : 'remembered', attributes: { ...existing.attributes, ...(name ? { device_name: name } : {}) },
  });
  return { UserConfirmationNecessary: onPrompt };
}

export async function setDeviceStatus(d: DeviceDeps, pool: Pool, user: User, deviceKey: string, status: DeviceStatus): Promise<void> {
  if (!(await d.store.devices.updateDevice(pool.id, user.id, deviceKey, { status }))) throw deviceNotFound();
}

export async function forgetDevice(d: DeviceDeps, pool: Pool, user: User, deviceKey: string): Promise<void> {
  if (!(await d.store.devices.deleteDevice(pool.id, user.id, deviceKey))) throw deviceNotFound();
}

export async function deviceOf(d: DeviceDeps, pool: Pool, user: User, deviceKey: string): Promise<Device> {
  const device = await d.store.devices.getDevice(pool.id, user.id, deviceKey);
  if (!device) throw deviceNotFound();
  return device;
}
