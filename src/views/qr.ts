// QR codes drawn on our own pages: an inline SVG (no image from elsewhere), for authenticator apps to scan.
import QRCode from 'qrcode';
import { Html } from './html.js';

export const qrSvg = async (text: string): Promise<Html> => new Html(await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
