import { Injectable } from '@nestjs/common';

/** The time, injectable: specs move it by hand (the grace window) instead of waiting for it. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
