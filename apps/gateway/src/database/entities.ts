import { AccountTokenEntity } from '../accounts/account-token.entity.js';
import { LoginFailureEntity } from '../accounts/login-failure.entity.js';
import { ApiTokenEntity } from '../api-tokens/api-token.entity.js';
import { AuditEntryEntity } from '../audit/audit-entry.entity.js';
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
  AccountTokenEntity,
  LoginFailureEntity,
  ApiTokenEntity,
  AuditEntryEntity,
];
