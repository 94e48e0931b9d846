import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One admin setting as JSON; the SettingsService owns defaults and validation. */
@Entity('settings')
export class SettingEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  value: string;
}
