import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Min } from 'class-validator';
import { AUDIT_KINDS, type AuditKind } from '../audit-entry.entity.js';

/** `/admin/audit?kind=…&actor=…&page=…`; an empty select sends an empty value, meaning "all". */
export class AuditQueryDto {
  @IsOptional()
  @IsIn(['', ...AUDIT_KINDS], { message: `Kind must be one of ${AUDIT_KINDS.join(', ')}.` })
  kind?: AuditKind | '';

  /** A person's id, or `auto` for the automatic rules. */
  @IsOptional()
  @Matches(/^(|auto|[1-9]\d{0,9})$/, { message: 'Person must be a user id or auto.' })
  actor?: string;

  @IsOptional()
  @Min(1, { message: 'Page must be 1 or more.' })
  @IsInt({ message: 'Page must be a whole number.' })
  @Type(() => Number)
  page?: number;
}
