// Device tracking: ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus, ForgetDevice (the user's
// own devices, with an access token; rules in native/devices.ts).
import { z } from 'zod';
import type { Device } from '../../directory/types.js';
import { confirmDevice, deviceOf, forgetDevice, setDeviceStatus } from '../../native/devices.js';
import { callerOf } from '../access.js';
import { defineAction } from '../action.js';
import { Token } from '../fields.js';

export const DeviceKey = z.string({ error: 'Member must not be null' }).min(1).max(55).regex(/^[\w-]+_[0-9a-f-]+$/, 'Member must satisfy regular expression pattern: [\\w-]+_[0-9a-f-]+');
const seconds = (ms: number | null) => (ms === null ? undefined : ms / 1000);

/** Cognito's DeviceType. */
export function deviceType(d: Device) {
  const attributes: Record<string, string> = { ...d.attributes, ...(d.status ? { 'dev:device_remembered_status': d.status } : {}), ...(d.lastIp ? { last_ip_used: d.lastIp } : {}) };
  return {
    DeviceKey: d.deviceKey, DeviceAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    DeviceCreateDate: seconds(d.createdAt), DeviceLastModifiedDate: seconds(d.updatedAt), DeviceLastAuthenticatedDate: seconds(d.lastAuthenticatedAt),
  };
}

export const confirmDeviceAction = defineAction({
  name: 'ConfirmDevice', summary: "Confirms a new device with the app's SRP verifier for it; remembered unless the pool waits for the user.", state: 'supported',
  errors: ['NotAuthorizedException', 'ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({
    AccessToken: Token, DeviceKey, DeviceName: z.string().min(1).max(1024).optional(),
    DeviceSecretVerifierConfig: z.object({ PasswordVerifier: z.string().max(1024), Salt: z.string().max(1024) }),
  }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    return confirmDevice(call.s, pool, user, i.DeviceKey, i.DeviceSecretVerifierConfig, i.DeviceName);
  },
});

export const getDevice = defineAction({
  name: 'GetDevice', summary: 'One of the signed-in user’s devices.', state: 'supported',
  errors: ['NotAuthorizedException', 'ResourceNotFoundException'],
  input: z.object({ AccessToken: Token, DeviceKey }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    return { Device: deviceType(await deviceOf(call.s, pool, user, i.DeviceKey)) };
  },
});

export const listDevices = defineAction({
  name: 'ListDevices', summary: 'The signed-in user’s devices, 60 at most a page.', state: 'supported',
  errors: ['NotAuthorizedException', 'InvalidParameterException'],
  input: z.object({ AccessToken: Token, Limit: z.number().int().min(0).max(60).optional(), PaginationToken: z.string().min(1).max(1024).optional() }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    const page = await call.s.store.devices.listDevices(pool.id, user.id, { ...(i.Limit ? { limit: i.Limit } : {}), ...(i.PaginationToken ? { nextToken: i.PaginationToken } : {}) });
    return { Devices: page.items.filter((d) => d.confirmed).map(deviceType), ...(page.nextToken ? { PaginationToken: page.nextToken } : {}) };
  },
});

export const updateDeviceStatus = defineAction({
  name: 'UpdateDeviceStatus', summary: 'Remembers a device, or stops remembering it.', state: 'supported',
  errors: ['NotAuthorizedException', 'ResourceNotFoundException'],
  input: z.object({ AccessToken: Token, DeviceKey, DeviceRememberedStatus: z.enum(['remembered', 'not_remembered']).optional() }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    await setDeviceStatus(call.s, pool, user, i.DeviceKey, i.DeviceRememberedStatus ?? 'not_remembered');
    return {};
  },
});

export const forgetDeviceAction = defineAction({
  name: 'ForgetDevice', summary: 'Forgets a device: its next sign-in is told "Device does not exist."', state: 'supported',
  errors: ['NotAuthorizedException', 'ResourceNotFoundException'],
  input: z.object({ AccessToken: Token, DeviceKey }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    await forgetDevice(call.s, pool, user, i.DeviceKey);
    return {};
  },
});
