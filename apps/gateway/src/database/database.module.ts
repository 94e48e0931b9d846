import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GatewayConfig } from '../config/gateway.config.js';
import { buildDataSourceOptions } from './data-source.js';
import { SerialWriter } from './serial-writer.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [GatewayConfig],
      useFactory: (config: GatewayConfig) => buildDataSourceOptions(config.databasePath),
    }),
  ],
  providers: [SerialWriter],
  exports: [SerialWriter],
})
export class DatabaseModule {}
