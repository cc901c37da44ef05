// What a user migration answers (migration.ts, from a trigger or a live Cognito pool): the user to create.
import type { Attributes } from '../directory/types.js';

/** How a migrated user arrives: Cognito's finalUserStatus, messageAction, desiredDeliveryMediums, forceAliasCreation. */
export interface Migrated {
  attributes: Attributes;
  status: 'CONFIRMED' | 'RESET_REQUIRED';
  /** SUPPRESS: no welcome message; otherwise one is sent to `mediums`. */
  messageAction: 'SUPPRESS' | 'RESEND' | null;
  mediums: ('EMAIL' | 'SMS')[];
  forceAliasCreation: boolean;
  /** The old pool's: its `sub` (kept, so apps keyed on it see the same user) and its groups. */
  sub?: string;
  groups?: string[];
  /** Whether the answer proves the typed password (a migration without one leaves the user to reset it). */
  passwordProven: boolean;
}
