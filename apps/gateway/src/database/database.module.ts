import { Global, Module, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GatewayConfig } from '../config/gateway.config.js';
import { buildDataSourceOptions } from './data-source.js';
import { SerialWriter } from './serial-writer.js';
import { Sql } from './sql.service.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [GatewayConfig],
      useFactory: (config: GatewayConfig) => buildDataSourceOptions(config.databasePath),
    }),
  ],
  providers: [SerialWriter, Sql],
  exports: [SerialWriter, Sql],
})
export class DatabaseModule implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * In WAL mode NORMAL keeps the database consistent through any crash and loses nothing when only the
   * process dies; it skips an fsync per commit, which serialised writes would otherwise wait on.
   */
  async onModuleInit(): Promise<void> {
    await this.dataSource.query('PRAGMA synchronous = NORMAL');
  }
}
