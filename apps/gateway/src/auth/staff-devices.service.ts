import { Injectable } from '@nestjs/common';
import type { AppRequest } from '../common/app-request.js';
import { FingerprintService } from '../identity/fingerprint.service.js';
import { AdminDevicesRepository } from './admin-devices.repository.js';

export const NOT_ENROLLED_MESSAGE =
  'This device is not enrolled for the host account. Open a fresh claim link on it.';
export const OTHER_ADDRESS_MESSAGE =
  'This staff session was started from another network address. Log in again, or open a fresh claim link on this device.';
export const NOT_A_STAFF_SIGN_IN_MESSAGE =
  'The staff pages need a staff sign-in on this device. Log in again, or open a fresh claim link on this device.';

/**
 * What makes a staff session usable: the device it is used on is enrolled for that account (its
 * fingerprint), and the request comes from the very address the session was started from (IPv4 /32,
 * IPv6 /64). The fingerprint alone is shared by every guest with the same phone on the party's Wi-Fi, so
 * a copied cookie would pass it; the exact address it would not. Both are kept only as keyed hashes.
 */
@Injectable()
export class StaffDevices {
  constructor(
    private readonly devices: AdminDevicesRepository,
    private readonly fingerprints: FingerprintService,
  ) {}

  /**
   * After a password, mailed link or claim link proved who it is: enrols this device and binds the
   * session to this address. Call it after the session id was regenerated, on the session to keep.
   */
  async enrol(req: AppRequest, userId: number): Promise<void> {
    await this.devices.enrol(userId, this.fingerprints.keyFor(req));
    req.session.staffAddress = this.fingerprints.addressKeyFor(req);
  }

  /** Null when this session may act as staff from here, else the reason to show. */
  async refusal(req: AppRequest, userId: number): Promise<string | null> {
    // A session that became staff some other way (a role given by the host) has signed in as nobody's staff.
    if (!req.session?.staffAddress) return NOT_A_STAFF_SIGN_IN_MESSAGE;
    if (req.session.staffAddress !== this.fingerprints.addressKeyFor(req)) return OTHER_ADDRESS_MESSAGE;
    if (!(await this.devices.isEnrolled(userId, this.fingerprints.keyFor(req)))) return NOT_ENROLLED_MESSAGE;
    return null;
  }
}
