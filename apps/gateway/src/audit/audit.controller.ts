import { Controller, Get, Query } from '@nestjs/common';
import { Roles } from '../auth/auth.decorators.js';
import { Answer } from '../common/answer/answer.decorator.js';
import { AuditLog } from './audit.service.js';
import type { AuditPageView } from './audit.view.js';
import { AuditQueryDto } from './dto/audit-query.dto.js';

/** `/admin/audit`: the admin's record of every decision and change, newest first; JSON for other clients. */
@Roles('admin')
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @Answer({ page: 'admin/audit', title: 'Audit log' })
  index(@Query() query: AuditQueryDto): Promise<AuditPageView> {
    return this.audit.page(query);
  }
}
