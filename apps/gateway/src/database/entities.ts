import { AdminDeviceEntity } from '../auth/admin-device.entity.js';
import { ClaimTokenEntity } from '../admin/claim-token.entity.js';
import { SessionEntity } from '../sessions/session.entity.js';
import { SettingEntity } from '../settings/setting.entity.js';
import { SuggestionEntity } from '../suggestions/suggestion.entity.js';
import { UserFingerprintEntity } from '../users/user-fingerprint.entity.js';
import { UserEntity } from '../users/user.entity.js';

export const ENTITIES = [
  UserEntity,
  UserFingerprintEntity,
  AdminDeviceEntity,
  ClaimTokenEntity,
  SuggestionEntity,
  SettingEntity,
  SessionEntity,
];
