import 'reflect-metadata';
import { Controller, Get, Module, Injectable } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HELLO } from '#contracts';

@Injectable()
class S { v() { return HELLO; } }
@Controller()
class C { constructor(private readonly s: S) {} @Get() get() { return this.s.v(); } }
@Module({ controllers: [C], providers: [S] })
class M {}
const app = await NestFactory.create(M);
await app.listen(3999);
console.log('up');
